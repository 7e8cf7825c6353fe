import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { storePreview, upload } from './stage-io.ts';

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

describe('stage I/O after a cancel', () => {
  let dir: string;
  let store: ObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-stage-io-'));
    store = createFilesystemStore(join(dir, 'objects'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cancelled = () => {
    const controller = new AbortController();
    controller.abort();
    return controller.signal;
  };

  it('writes nothing, neither an output nor a preview, once the item is cancelled', async () => {
    const file = join(dir, 'out.png');
    await writeFile(file, 'png');
    await assert.rejects(upload(store, 'media/m1/out.png', file, 'image/png', cancelled()), { name: 'AbortError' });
    const preview = { data: new Uint8Array([1, 2, 3]), width: 3, height: 1 };
    await assert.rejects(storePreview(store, 'm1', 'result', preview, cancelled()), { name: 'AbortError' });
    assert.deepEqual(await keysUnder(store, 'media/m1/'), []);
  });

  it('stores a preview beside the item while it runs, and says where', async () => {
    const preview = { data: new Uint8Array([1, 2, 3]), width: 3, height: 1 };
    assert.deepEqual(await storePreview(store, 'm2', 'original', preview, new AbortController().signal), {
      key: 'media/m2/original-preview.webp',
      width: 3,
      height: 1,
    });
    assert.deepEqual(await keysUnder(store, 'media/m2/'), ['media/m2/original-preview.webp']);
  });
});
