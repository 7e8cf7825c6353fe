import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectStore } from '@revive/object-store';
import { createObjectUrls, OBJECTS_PATH } from './object-urls.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const key = 'media/3f1c2a8e-5b7d-4c1e-9a2b-0d6e8f4a1b2c/original.jpg';

/** A store with no URLs of its own (the filesystem store); object bytes are not the point here. */
function storeWith(signedUrl: ObjectStore['signedUrl']): ObjectStore {
  const unused = () => Promise.reject(new Error('not used by object URLs'));
  return {
    put: unused,
    get: unused,
    head: unused,
    delete: unused,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }),
    signedUrl,
  };
}
const filesystemLike = storeWith(async () => undefined);

/** The pieces /objects/ verifies, read back from a signed URL. */
function partsOf(url: string) {
  const parsed = new URL(url);
  const path = parsed.pathname.slice(OBJECTS_PATH.length).split('/').map(decodeURIComponent).join('/');
  return { origin: parsed.origin, path, expires: parsed.searchParams.get('expires'), signature: parsed.searchParams.get('signature') };
}

describe('object URLs: HMAC-signed links for the filesystem store, presigned ones passed through', () => {
  const urls = createObjectUrls(filesystemLike, { publicUrl: 'http://gateway.test:4000', secret, ttlSeconds: 900 });

  it('signs a URL under /objects/ on the public URL that verifies until it expires', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { origin, path, expires, signature } = partsOf(await urls.urlFor(key));
    assert.equal(origin, 'http://gateway.test:4000');
    assert.equal(path, key);
    assert.ok(Number(expires) >= before + 900 && Number(expires) <= before + 901, `expires ${expires}`);
    assert.ok(urls.verify(path, expires, signature));
    assert.ok(urls.verify(path, expires, signature, (Number(expires) - 1) * 1000), 'a second before expiry');
  });

  it('refuses a tampered key, expiry or signature, and a missing part', async () => {
    const { path, expires, signature } = partsOf(await urls.urlFor(key));
    assert.equal(urls.verify(key.replace('original', 'result'), expires, signature), false, 'another key');
    assert.equal(urls.verify(path, String(Number(expires) + 3600), signature), false, 'a later expiry');
    const flipped = `${signature!.slice(0, -1)}${signature!.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(urls.verify(path, expires, flipped), false, 'one character changed');
    assert.equal(urls.verify(path, expires, signature!.slice(1)), false, 'shorter signature');
    assert.equal(urls.verify(path, expires, null), false);
    assert.equal(urls.verify(path, null, signature), false);
    assert.equal(urls.verify(path, `${expires}.5`, signature), false, 'not an integer');
    assert.equal(urls.verify(path, `-${expires}`, signature), false);
  });

  it('refuses a link signed with another secret', async () => {
    const other = createObjectUrls(filesystemLike, { publicUrl: 'http://gateway.test:4000', secret: `${secret}-other`, ttlSeconds: 900 });
    const { path, expires, signature } = partsOf(await other.urlFor(key));
    assert.equal(urls.verify(path, expires, signature), false);
  });

  it('refuses an expired link', async () => {
    const { path, expires, signature } = partsOf(await urls.urlFor(key));
    assert.equal(urls.verify(path, expires, signature, (Number(expires) + 1) * 1000), false);
    const shortLived = createObjectUrls(filesystemLike, { publicUrl: 'http://gateway.test:4000', secret, ttlSeconds: -60 });
    const stale = partsOf(await shortLived.urlFor(key));
    assert.equal(urls.verify(stale.path, stale.expires, stale.signature), false);
  });

  it('passes an S3-style presigned URL through untouched, with the TTL it was asked for', async () => {
    const asked: Array<[string, number]> = [];
    const s3Like = storeWith(async (k, ttl) => {
      asked.push([k, ttl]);
      return `https://bucket.s3.example/${k}?X-Amz-Signature=abc`;
    });
    const presigning = createObjectUrls(s3Like, { publicUrl: 'http://gateway.test:4000', secret, ttlSeconds: 600 });
    assert.equal(await presigning.urlFor(key), `https://bucket.s3.example/${key}?X-Amz-Signature=abc`);
    assert.deepEqual(asked, [[key, 600]]);
  });

  it('signs a gateway route over its path and every parameter, so none can be changed, until it expires', () => {
    const signed = new URL(urls.routeUrl('/downloads/abc', { key, format: 'jpeg', quality: '90', name: 'Groß.revive.jpg' }));
    assert.equal(signed.origin, 'http://gateway.test:4000');
    assert.equal(signed.searchParams.get('name'), 'Groß.revive.jpg');
    assert.ok(urls.verifyRoute(signed));
    const reordered = new URL(signed.origin + signed.pathname);
    for (const [name, value] of [...signed.searchParams].reverse()) reordered.searchParams.append(name, value);
    assert.ok(urls.verifyRoute(reordered), 'the order of the parameters does not matter');
    for (const change of [
      (u: URL) => u.searchParams.set('quality', '91'),
      (u: URL) => u.searchParams.set('key', key.replace('original', 'result')),
      (u: URL) => u.searchParams.append('extra', '1'),
      (u: URL) => u.searchParams.delete('name'),
      (u: URL) => (u.pathname = '/downloads/abd'),
    ]) {
      const changed = new URL(signed);
      change(changed);
      assert.equal(urls.verifyRoute(changed), false, changed.href);
    }
    assert.equal(urls.verifyRoute(signed, (Number(signed.searchParams.get('expires')) + 1) * 1000), false, 'expired');
    // A route signature is no object signature, nor the other way round.
    assert.equal(urls.verify('/downloads/abc', signed.searchParams.get('expires'), signed.searchParams.get('signature')), false);
  });
});
