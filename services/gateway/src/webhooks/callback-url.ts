import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from './public-address.ts';

/** A callback URL Revive will not call: not http(s), credentials in it, or (unless allowed) a target that is not public. */
export class CallbackUrlError extends Error {
  override readonly name = 'CallbackUrlError';
  readonly retryable = false;
}

/** An address to connect to, as `dns.lookup` gives it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a host name resolves to (the system resolver in production; specs pass their own). */
export type ResolveHost = (host: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolve: ResolveHost = (host) => lookup(host, { all: true, verbatim: true });

/** The URL's host as a name or an address: no IPv6 brackets, no trailing dot (`localhost.` is `localhost`). */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');

/** Checks the URL's form at upload time; returns it normalised. Throws CallbackUrlError. */
export function parseCallbackUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError('callbackUrl is not a URL');
  }
  if (raw.length > 2048) throw new CallbackUrlError('callbackUrl is longer than 2048 characters');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallbackUrlError('callbackUrl must be http or https');
  if (url.username || url.password) throw new CallbackUrlError('callbackUrl must not carry credentials');
  const host = hostOf(url);
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (!allowPrivate && (local || (isIP(host) !== 0 && !isPublicAddress(host)))) {
    throw new CallbackUrlError('callbackUrl names a loopback, private or otherwise non-public address, which this server does not call');
  }
  return url.toString();
}

/**
 * Where a delivery connects: the host resolved once, right before it, with every address it
 * resolves to checked (unless private targets are allowed); the caller connects to the address
 * returned, never resolving the name again, so a name cannot answer one address to the check and
 * another to the connection (DNS rebinding). Throws CallbackUrlError for a target that is not public.
 */
export async function resolveDeliverable(
  url: string,
  allowPrivate: boolean,
  resolve: ResolveHost = systemResolve,
): Promise<ResolvedAddress> {
  const host = hostOf(new URL(url));
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address)))
    throw new CallbackUrlError(`${host} resolves to an address that is not public`);
  return addresses[0]!;
}
