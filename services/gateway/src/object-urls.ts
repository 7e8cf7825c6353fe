import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ObjectStore } from '@revive/object-store';

/** Path prefix under which the gateway serves objects of the filesystem store. */
export const OBJECTS_PATH = '/objects/';

/**
 * Short-lived object URLs. S3 presigns its own; the filesystem store has no server of its own,
 * so the gateway serves its objects under /objects/ with an HMAC-signed expiry instead.
 */
export interface ObjectUrls {
  urlFor(key: string): Promise<string>;
  /** For the /objects/ route: is this signed request still valid? */
  verify(key: string, expires: string | null, signature: string | null, now?: number): boolean;
  /**
   * A URL of one of the gateway's own routes (a conversion, an archive), valid for the same TTL:
   * the signature covers the path and every parameter, so none can be changed.
   */
  routeUrl(path: string, params: Readonly<Record<string, string>>): string;
  /** For those routes: are this URL's path and parameters the ones signed, and not expired? */
  verifyRoute(url: URL, now?: number): boolean;
}

/** What a route URL's signature covers: its path and its parameters (but the signature), in a fixed order. */
function routeMaterial(path: string, params: URLSearchParams): string {
  const entries = [...params].filter(([name]) => name !== 'signature').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // A path begins with '/', a key never does: a route signature can never pass for an object's.
  return `${path}?${new URLSearchParams(entries).toString()}`;
}

export function createObjectUrls(store: ObjectStore, options: { publicUrl: string; secret: string; ttlSeconds: number }): ObjectUrls {
  const hmac = (material: string) => createHmac('sha256', options.secret).update(material).digest('base64url');
  const sign = (key: string, expires: number) => hmac(`${key}\n${expires}`);
  const same = (a: string, b: string) => {
    const [x, y] = [Buffer.from(a), Buffer.from(b)];
    return x.length === y.length && timingSafeEqual(x, y);
  };
  const live = (expires: string | null, now: number) => !!expires && /^\d+$/.test(expires) && Number(expires) * 1000 >= now;
  return {
    async urlFor(key) {
      const presigned = await store.signedUrl(key, options.ttlSeconds);
      if (presigned) return presigned;
      const expires = Math.floor(Date.now() / 1000) + options.ttlSeconds;
      const path = key.split('/').map(encodeURIComponent).join('/');
      return `${options.publicUrl}${OBJECTS_PATH}${path}?expires=${expires}&signature=${sign(key, expires)}`;
    },
    verify(key, expires, signature, now = Date.now()) {
      if (!signature || !live(expires, now)) return false;
      return same(sign(key, Number(expires)), signature);
    },
    routeUrl(path, params) {
      const query = new URLSearchParams({ ...params, expires: String(Math.floor(Date.now() / 1000) + options.ttlSeconds) });
      query.set('signature', hmac(routeMaterial(path, query)));
      return `${options.publicUrl}${path}?${query.toString()}`;
    },
    verifyRoute(url, now = Date.now()) {
      const signature = url.searchParams.get('signature');
      if (!signature || !live(url.searchParams.get('expires'), now)) return false;
      return same(hmac(routeMaterial(url.pathname, url.searchParams)), signature);
    },
  };
}
