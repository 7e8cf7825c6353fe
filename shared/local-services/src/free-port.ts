import { createServer } from 'node:net';

/**
 * Ports this process has handed out. A port is only reserved until its caller binds it, and a
 * test that asks for a service's ports before starting a stack which asks for its own could be
 * given the same one twice; the kernel picks ephemeral ports at random, so that is rare, not never.
 */
const handedOut = new Set<number>();

/** A TCP port free on loopback right now and not handed out before by this process (for services told their port up front). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await listenOnce();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function listenOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
