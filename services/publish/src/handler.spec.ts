import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createFilesystemStore, ObjectStoreError, type ObjectStore } from '@revive/object-store';
import { createPublishHandlers, type PublishHandlers } from './handler.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('publish-test', 'silent');
type SuperResolved = EventOf<typeof Subjects.imageSuperResolved>;

const context = () => recordingContext('publish');

function nextOf(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  const next = outcome.next[0]!;
  assert.equal(next.subject, Subjects.imagePublished);
  return { msgID: next.msgID, event: parseEvent(Subjects.imagePublished, next.payload) };
}

describe('publish handlers', () => {
  let dir: string;
  let store: ObjectStore;
  let handlers: PublishHandlers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-publish-spec-'));
    store = createFilesystemStore(join(dir, 'objects'));
    handlers = createPublishHandlers({ store, log, tmpDir: dir });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A 96x64 RGBA image as superres hands it on (PNG), or in another format to prove re-encoding. */
  async function superResolved(format: 'png' | 'webp' = 'png'): Promise<{ event: SuperResolved; bytes: Buffer }> {
    const mediaId = randomUUID();
    const key = `media/${mediaId}/superres.${format}`;
    const px = Buffer.from(Array.from({ length: 96 * 64 * 4 }, (_, i) => (i % 4 === 3 ? 200 : (i * 13) % 256)));
    const raw = sharp(px, { raw: { width: 96, height: 64, channels: 4 } });
    const bytes = await (format === 'png' ? raw.png() : raw.webp()).toBuffer();
    await store.put(key, bytes, { contentType: `image/${format}` });
    const event = parseEvent(Subjects.imageSuperResolved, {
      mediaId,
      options: {},
      at: new Date().toISOString(),
      key,
      width: 96,
      height: 64,
      isMonochrome: true,
    });
    return { event, bytes };
  }

  it('writes the result under media/<id>/result.png as PNG and announces it', async () => {
    const { event: input, bytes } = await superResolved();
    const ctx = context();
    const { msgID, event } = nextOf(await handlers.image(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'publish'));
    assert.deepEqual([event.key, event.width, event.height, event.contentType], [`media/${input.mediaId}/result.png`, 96, 64, 'image/png']);
    assert.deepEqual(await buffer(await store.get(event.key)), bytes, 'a PNG is copied byte for byte');
    assert.equal((await store.head(event.key))?.contentType, 'image/png');
    assert.equal(event.bytes, bytes.length, "the result's size in bytes");
    assert.deepEqual(event.preview, { key: `media/${input.mediaId}/result-preview.webp`, width: 96, height: 64 });
    const preview = await sharp(await buffer(await store.get(event.preview.key))).metadata();
    assert.deepEqual([preview.format, preview.width, preview.height], ['webp', 96, 64]);
    assert.deepEqual(ctx.seen.at(-1), [3, 3, 'steps']);
  });

  it('encodes an input in another format to PNG, alpha kept', async () => {
    const { event: input } = await superResolved('webp');
    const { event } = nextOf(await handlers.image(input, context()));
    const meta = await sharp(await buffer(await store.get(event.key))).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.hasAlpha], ['png', 96, 64, true]);
  });

  it('rejects with INPUT_MISSING when the image is gone, and retries when the store is down', async () => {
    const { event: input } = await superResolved();
    const down: ObjectStore = {
      ...store,
      put: () => Promise.reject(new ObjectStoreError('S3 put failed (HTTP 503)', { retryable: true })),
    };
    assert.deepEqual(await createPublishHandlers({ store: down, log }).image(input, context()), {
      kind: 'retry',
      reason: 'S3 put failed (HTTP 503)',
    });
    await store.delete(input.key);
    const outcome = await handlers.image(input, context());
    assert.ok(outcome.kind === 'reject' && outcome.code === 'INPUT_MISSING', JSON.stringify(outcome));
  });

  it('emits the same next event when the item is delivered twice', async () => {
    const { event: input } = await superResolved();
    const first = nextOf(await handlers.image(input, context()));
    const second = nextOf(await handlers.image(input, context()));
    // `at` is the completion time; JetStream drops the second publish by its msgID anyway.
    assert.deepEqual({ ...second, event: { ...second.event, at: '' } }, { ...first, event: { ...first.event, at: '' } });
  });
});
