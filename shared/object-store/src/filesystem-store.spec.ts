import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { createFilesystemStore } from './filesystem-store.ts';
import { InvalidObjectKeyError, ObjectNotFoundError, type ObjectStore } from './object-store.ts';

describe('filesystem object store', () => {
  let root: string;
  let store: ObjectStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'revive-store-'));
    store = createFilesystemStore(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('stores bytes and streams, returns them with their metadata', async () => {
    const info = await store.put('media/a/original.jpg', new TextEncoder().encode('hello'), { contentType: 'image/jpeg' });
    assert.deepEqual(info, { key: 'media/a/original.jpg', bytes: 5, contentType: 'image/jpeg' });
    await store.put('media/a/result.png', Readable.from(['wor', 'ld']));
    assert.equal(await text(await store.get('media/a/original.jpg')), 'hello');
    assert.equal(await text(await store.get('media/a/result.png')), 'world');
    assert.equal((await store.head('media/a/result.png'))?.bytes, 5);
    assert.equal(await store.signedUrl('media/a/result.png', 60), undefined, 'the gateway serves these bytes itself');
  });

  it('leaves nothing under the key when a streamed upload fails midway', async () => {
    const failing = new Readable({
      read() {
        this.push('partial');
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.put('media/b/original.jpg', failing), /client went away/);
    assert.equal(await store.head('media/b/original.jpg'), undefined);
    assert.deepEqual(
      (await readdir(join(root, 'media/b'))).filter((f) => !f.endsWith('.meta.json')),
      [],
    );
  });

  it('deletes idempotently and reports missing objects', async () => {
    await store.put('media/c/x', new Uint8Array([1]));
    await store.delete('media/c/x');
    await store.delete('media/c/x');
    assert.equal(await store.head('media/c/x'), undefined);
    await assert.rejects(store.get('media/c/x'), ObjectNotFoundError);
  });

  it('lists the keys under a folder at any depth, without sidecars, writes in progress or a folder sharing its name prefix', async () => {
    await store.put('media/f/original.jpg', new Uint8Array([1]), { contentType: 'image/jpeg' });
    await store.put('media/f/superres/chunk-00000.mkv', new Uint8Array([2]));
    await store.put('media/fg/other', new Uint8Array([3]));
    const never = new Readable({ read() {} });
    const pending = store.put('media/f/result.png', never);
    await new Promise((r) => setTimeout(r, 50));
    const keys: string[] = [];
    for await (const key of store.list('media/f/')) keys.push(key);
    assert.deepEqual(keys.sort(), ['media/f/original.jpg', 'media/f/superres/chunk-00000.mkv']);
    never.destroy(new Error('done with it'));
    await assert.rejects(pending, /done with it/);
    for await (const key of store.list('media/none/')) assert.fail(`nothing is listed under a missing folder, got ${key}`);
    await assert.rejects(async () => {
      for await (const key of store.list('media/f')) assert.fail(`listed ${key}`);
    }, InvalidObjectKeyError);
  });

  it('refuses keys that escape the root', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../b', 'a/./b', '']) {
      await assert.rejects(store.put(key, new Uint8Array([1])), InvalidObjectKeyError, key);
    }
  });
});
