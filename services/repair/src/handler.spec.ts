import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { loadInferenceConfig } from '@revive/config';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { createRepairHandlers, type RepairHandlers } from './handler.ts';
import { cleanPhoto, pixelsOf, png, scratchMask, scratchPixels, scratchPixelsLeft, withScratches, type Rgb } from './scratches.fixture.ts';
import { NO_DAMAGE_FOUND, REPAIR_NOT_ASKED } from './skip-reasons.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('repair-test', 'silent');
const W = 256;
const H = 160;
type Preprocessed = EventOf<typeof Subjects.imagePreprocessed>;
type RepairMode = Preprocessed['options']['repair'];

const context = () => recordingContext('repair');

function nextOf(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  const next = outcome.next[0]!;
  assert.equal(next.subject, Subjects.imageRepaired);
  return { msgID: next.msgID, event: parseEvent(Subjects.imageRepaired, next.payload) };
}

describe('repair handlers', () => {
  let dir: string;
  let store: ObjectStore;
  let runtime: ModelRuntime;
  let handlers: RepairHandlers;
  let clean: Rgb;
  let mask: Uint8Array;
  let scratched: Rgb;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-repair-spec-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    handlers = createRepairHandlers({ store, runtime, log, maxInputPixels: 1e7, tmpDir: dir });
    clean = await cleanPhoto(W, H);
    mask = scratchMask(clean);
    scratched = withScratches(clean, mask);
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A preprocessed item as preprocess leaves it: a PNG under media/<id>/preprocessed.png. */
  async function preprocessed(bytes: Buffer, repair: RepairMode = 'auto'): Promise<Preprocessed> {
    const mediaId = randomUUID();
    const key = `media/${mediaId}/preprocessed.png`;
    await store.put(key, bytes, { contentType: 'image/png' });
    return parseEvent(Subjects.imagePreprocessed, {
      mediaId,
      options: { repair },
      at: new Date().toISOString(),
      key,
      width: W,
      height: H,
      isMonochrome: false,
    });
  }

  for (const mode of ['auto', 'on'] as const) {
    it(`repairs a photo with white scratches (${mode}): a new PNG of the same size, the scratches mostly gone, and what it did`, async () => {
      const input = await preprocessed(await png(scratched), mode);
      const ctx = context();
      const { msgID, event } = nextOf(await handlers.image(input, ctx));
      assert.equal(msgID, messageId(input.mediaId, 'repair'));
      assert.deepEqual([event.key, event.width, event.height, event.skipped], [`media/${input.mediaId}/repaired.png`, W, H, undefined]);
      assert.match(event.summary ?? '', /\d.*%/, 'says how much of the picture it repaired');
      const out = await pixelsOf(await buffer(await store.get(event.key)));
      assert.deepEqual([out.width, out.height], [W, H]);
      const [drawn, left] = [scratchPixels(mask), scratchPixelsLeft(out.pixels, mask)];
      assert.ok(drawn > 300 && left < drawn / 2, `${left} of ${drawn} scratch pixels are still white`);
      assert.ok(ctx.seen.length > 0 && ctx.seen.every(([, , unit]) => unit === 'tiles'), JSON.stringify(ctx.seen));
      const [done, total] = ctx.seen.at(-1)!;
      assert.equal(done, total, 'progress ends with every tile done');
    });
  }

  it('hands a clean photo on untouched under auto, and a scratched one when repair is off', async () => {
    for (const [input, reason] of [
      [await preprocessed(await png(clean), 'auto'), NO_DAMAGE_FOUND],
      [await preprocessed(await png(scratched), 'off'), REPAIR_NOT_ASKED],
    ] as const) {
      const { event } = nextOf(await handlers.image(input, context()));
      assert.deepEqual(
        [event.key, event.width, event.height, event.skipped, event.summary],
        [input.key, input.width, input.height, reason, undefined],
      );
      assert.equal(await store.head(`media/${input.mediaId}/repaired.png`), undefined, 'no copy of an unchanged picture');
    }
  });

  it('refuses a corrupt picture for good instead of retrying it', async () => {
    const bytes = await png(scratched);
    const outcome = await handlers.image(await preprocessed(bytes.subarray(0, bytes.length >> 1)), context());
    assert.ok(
      outcome.kind === 'reject' && ['CORRUPT_IMAGE', 'UNSUPPORTED_MEDIA'].includes(outcome.code),
      `a truncated PNG is rejected with an image code: ${JSON.stringify(outcome)}`,
    );
  });

  it('fails loudly with MODEL_UNAVAILABLE when the detector is missing, yet hands items on when repair is off', async () => {
    const empty = join(dir, 'no-models');
    await mkdir(empty);
    const bare = createModelRuntime({ registry: createModelRegistry([empty]), threads: 1 });
    try {
      const missing = createRepairHandlers({ store, runtime: bare, log, maxInputPixels: 1e7, tmpDir: dir });
      const outcome = await missing.image(await preprocessed(await png(scratched)), context());
      assert.ok(outcome.kind === 'reject' && outcome.code === 'MODEL_UNAVAILABLE', JSON.stringify(outcome));
      assert.equal(nextOf(await missing.image(await preprocessed(await png(scratched), 'off'), context())).event.skipped, REPAIR_NOT_ASKED);
    } finally {
      await bare.close();
    }
  });

  it('rejects with INPUT_MISSING when the preprocessed image is gone', async () => {
    const input = await preprocessed(await png(scratched));
    await store.delete(input.key);
    assert.deepEqual(await handlers.image(input, context()).then((o) => [o.kind, o.kind === 'reject' && o.code]), [
      'reject',
      'INPUT_MISSING',
    ]);
  });

  it('emits the same next event when the item is delivered twice', async () => {
    const input = await preprocessed(await png(scratched));
    const first = nextOf(await handlers.image(input, context()));
    const second = nextOf(await handlers.image(input, context()));
    // `at` is the completion time; JetStream drops the second publish by its msgID anyway.
    assert.deepEqual({ ...second, event: { ...second.event, at: '' } }, { ...first, event: { ...first.event, at: '' } });
  });
});
