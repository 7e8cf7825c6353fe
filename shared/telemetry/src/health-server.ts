import { createServer, type Server } from 'node:http';
import { untraced } from './tracing.ts';

/** A readiness check: resolves when the dependency answers, throws (or times out) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: ReadinessCheck): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)),
  );
  return Promise.race([untraced(check), timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check at once; the name and reason of each one that failed. */
export async function runReadinessChecks(checks: Readonly<Record<string, ReadinessCheck>>): Promise<Record<string, string>> {
  const entries = Object.entries(checks);
  const results = await Promise.allSettled(entries.map(([, check]) => withTimeout(check)));
  const failed: Record<string, string> = {};
  results.forEach((r, i) => {
    if (r.status === 'rejected') failed[entries[i]![0]] = r.reason instanceof Error ? r.reason.message : String(r.reason);
  });
  return failed;
}

/**
 * Kubernetes probes for a service without an HTTP server of its own (the stages): `/healthz` (liveness: the process answers, so its event loop is
 * not stuck) and `/readyz` (readiness: every dependency check passes; 503 with the failing ones
 * otherwise). Only the failing checks' names go out; their reasons (which may name hosts) go
 * to `onNotReady`, for the log.
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  checks: Readonly<Record<string, ReadinessCheck>>;
  onNotReady?: (failed: Record<string, string>) => void;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      void runReadinessChecks(options.checks).then((failed) => {
        const names = Object.keys(failed);
        if (names.length) options.onNotReady?.(failed);
        res
          .writeHead(names.length ? 503 : 200, { 'content-type': 'application/json' })
          .end(JSON.stringify(names.length ? { status: 'not ready', failed: names } : { status: 'ready' }));
      });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
