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
}

export function createObjectUrls(store: ObjectStore, options: { publicUrl: string; secret: string; ttlSeconds: number }): ObjectUrls {
  const sign = (key: string, expires: number) => createHmac('sha256', options.secret).update(`${key}\n${expires}`).digest('base64url');
  return {
    async urlFor(key) {
      const presigned = await store.signedUrl(key, options.ttlSeconds);
      if (presigned) return presigned;
      const expires = Math.floor(Date.now() / 1000) + options.ttlSeconds;
      const path = key.split('/').map(encodeURIComponent).join('/');
      return `${options.publicUrl}${OBJECTS_PATH}${path}?expires=${expires}&signature=${sign(key, expires)}`;
    },
    verify(key, expires, signature, now = Date.now()) {
      if (!expires || !signature || !/^\d+$/.test(expires) || Number(expires) * 1000 < now) return false;
      const expected = Buffer.from(sign(key, Number(expires)));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
