import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** A callback URL Revive will not call: not http(s), credentials in it, or (unless allowed) a private target. */
export class CallbackUrlError extends Error {
  override readonly name = 'CallbackUrlError';
  readonly retryable = false;
}

// Loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT, unspecified, ULA.
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

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
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))) {
    throw new CallbackUrlError('callbackUrl names a loopback or private address, which this server does not call');
  }
  return url.toString();
}

/**
 * Checks where the host resolves right before a delivery: a public name that resolves to a
 * private address is refused too (unless allowed).
 */
export async function assertDeliverable(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  if (addresses.some((a) => isPrivateAddress(a.address))) throw new CallbackUrlError(`${host} resolves to a private address`);
}
