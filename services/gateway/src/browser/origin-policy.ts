import { isIP } from 'node:net';
import type { CORSOptions } from 'graphql-yoga';

/** Which web pages may use the API from a browser, and which host names the gateway answers to. */
export interface OriginPolicy {
  /** CORS for a page of another origin: granted to allowed origins only, never with credentials (the API takes bearer tokens, not cookies). */
  cors(request: Request): CORSOptions | false;
  /** Whether a socket may open (WebSockets are not subject to CORS): no Origin (not a browser), the page's own host, or an allowed origin. */
  allowsSocket(origin: string | undefined, host: string | undefined): boolean;
  /** Whether the Host header names this gateway. */
  allowsHost(host: string | null | undefined): boolean;
}

/**
 * `allowedOrigins` (REVIVE_ALLOWED_ORIGINS) are the pages besides the gateway's own. With
 * REVIVE_AUTH=off, where every request acts as the local user, a request must name
 * the gateway in its Host header: an IP address, `localhost`, or the host of REVIVE_PUBLIC_URL,
 * REVIVE_GATEWAY_HOST or an allowed origin. A page whose own domain an attacker re-points at
 * 127.0.0.1 (DNS rebinding) is same-origin to the browser, but its requests carry that domain.
 */
export function createOriginPolicy(gateway: {
  readonly allowedOrigins: readonly string[];
  readonly publicUrl: string;
  readonly host: string;
  readonly auth: 'required' | 'off';
}): OriginPolicy {
  const allowed = new Set(gateway.allowedOrigins);
  const ownOrigin = new URL(gateway.publicUrl).origin;
  const names = new Set([gateway.host, ...[gateway.publicUrl, ...gateway.allowedOrigins].map((u) => new URL(u).hostname)]);
  const hostnameOf = (host: string) => URL.parse(`http://${host}`)?.hostname;
  return {
    cors(request) {
      const origin = request.headers.get('origin');
      return origin && allowed.has(origin) ? { origin: [origin], credentials: false, methods: ['GET', 'POST'] } : false;
    },
    allowsSocket(origin, host) {
      if (!origin || origin === ownOrigin || allowed.has(origin)) return true;
      return host !== undefined && URL.parse(origin)?.host === host;
    },
    allowsHost(host) {
      if (gateway.auth !== 'off') return true;
      const name = host ? hostnameOf(host) : undefined;
      if (!name) return false;
      // No DNS name is involved in an address: rebinding needs one.
      if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
      return name === 'localhost' || name.endsWith('.localhost') || names.has(name);
    },
  };
}
