import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { PlatformConfig } from '@revive/config';

/**
 * The gateway's HTTP server, or HTTPS with the configured certificate (WebSockets ride on either).
 * A client gets `headersMs` to send its headers and `requestMs` for the whole request, body
 * included; one that trickles bytes is cut off then (Node's defaults held a slow body 300 s).
 * Responses are not bounded: subscriptions (SSE) stream for as long as an item takes.
 */
export async function createGatewayServer(settings: PlatformConfig['gateway'], handler: RequestListener): Promise<Server> {
  const options: ServerOptions = {
    headersTimeout: settings.timeouts.headersMs,
    requestTimeout: settings.timeouts.requestMs,
    // Node checks those deadlines on this beat (30 s by default, later than a short deadline).
    connectionsCheckingInterval: Math.min(5000, Math.max(250, settings.timeouts.headersMs / 4)),
  };
  if (!settings.tls) return createServer(options, handler);
  const [cert, key] = await Promise.all([readFile(settings.tls.certFile), readFile(settings.tls.keyFile)]);
  return createHttpsServer({ ...options, cert, key }, handler);
}
