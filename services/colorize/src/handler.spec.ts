import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chroma, DEFAULT_COLORIZE_MODEL } from '@revive/colorizer';
import { bundledModelDirs, loadInferenceConfig, repoRoot } from '@revive/config';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { createColorizeHandlers, type ColorizeHandlers } from './handler.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('colorize-test', 'silent');
const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');
type Preprocessed = EventOf<typeof Subjects.imagePreprocessed>;

const context = () => recordingContext('colorize');

function nextOf(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  const next = outcome.next[0]!;
  assert.equal(next.subject, Subjects.imageColorized);
  return { msgID: next.msgID, event: parseEvent(Subjects.imageColorized, next.payload) };
}

/** Mean chroma magnitude (Cb, Cr in [-0.5, 0.5]) of an RGB image: about 0 for grey. */
async function meanChroma(bytes: Buffer): Promise<number> {
  const rgb = await sharp(bytes).removeAlpha().raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < rgb.length; i += 3) sum += Math.hypot(...chroma(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!));
  return sum / (rgb.length / 3);
}

describe('colorize handlers', () => {
  let dir: string;
  let store: ObjectStore;
  let runtime: ModelRuntime;
  let handlers: ColorizeHandlers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-colorize-spec-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    handlers = createColorizeHandlers({ store, runtime, log, maxInputPixels: 1e7, tmpDir: dir });
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A preprocessed item as preprocess leaves it: an sRGB PNG under media/<id>/preprocessed.png. */
  async function preprocessed(grey: boolean, colorize: 'auto' | 'on' | 'off' = 'auto', sepia = false): Promise<Preprocessed> {
    const mediaId = randomUUID();
    const key = `media/${mediaId}/preprocessed.png`;
    const image = sharp(fixture).resize(160);
    // The classic sepia matrix: a warm monochrome print, three channels.
    const sepiaToned = () =>
      image.recomb([
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131],
      ]);
    const toned = grey ? (sepia ? sepiaToned() : image.greyscale()) : image;
    const { data, info } = await toned.toColourspace('srgb').png().toBuffer({ resolveWithObject: true });
    await store.put(key, data, { contentType: 'image/png' });
    return parseEvent(Subjects.imagePreprocessed, {
      mediaId,
      options: { colorize },
      at: new Date().toISOString(),
      key,
      width: info.width,
      height: info.height,
      isMonochrome: grey,
    });
  }

  it('colorizes a grey photo under auto: a new PNG with chroma, same size', async () => {
    const input = await preprocessed(true);
    const ctx = context();
    const { msgID, event } = nextOf(await handlers.image(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'colorize'));
    assert.deepEqual([event.key, event.width, event.height, event.skipped], [`media/${input.mediaId}/colorized.png`, 160, 100, undefined]);
    const out = await buffer(await store.get(event.key));
    assert.deepEqual(
      await sharp(out)
        .metadata()
        .then((m) => [m.format, m.width, m.height]),
      ['png', 160, 100],
    );
    const before = await meanChroma(await buffer(await store.get(input.key)));
    const after = await meanChroma(out);
    assert.ok(before < 0.005 && after > 0.02, `mean chroma ${before} → ${after}`);
    assert.deepEqual(ctx.seen.at(-1), [3, 3, 'steps']);
  });

  it("says what it did, and that a sepia print's tone is replaced (a colour photo has none), so the result looking greyer is explained", async () => {
    const grey = nextOf(await handlers.image(await preprocessed(true), context())).event;
    assert.equal(grey.summary, 'added colour to a black-and-white picture');
    const sepia = nextOf(await handlers.image(await preprocessed(true, 'auto', true), context())).event;
    assert.match(sepia.summary ?? '', /in place of the print's sepia tone/);
  });

  it('passes the item on untouched when colorize is off, or auto meets a colour photo', async () => {
    for (const [input, reason] of [
      [await preprocessed(true, 'off'), 'colour was not asked for'],
      [await preprocessed(false, 'auto'), 'already in colour'],
    ] as const) {
      const { event } = nextOf(await handlers.image(input, context()));
      assert.deepEqual([event.key, event.width, event.height, event.skipped], [input.key, input.width, input.height, reason]);
      assert.equal(await store.head(`media/${input.mediaId}/colorized.png`), undefined);
    }
  });

  it('colorizes even a colour photo when asked to (on)', async () => {
    const { event } = nextOf(await handlers.image(await preprocessed(false, 'on'), context()));
    assert.equal(event.skipped, undefined, 'colorized');
  });

  it('fails loudly with MODEL_UNAVAILABLE when the model is missing or broken', async () => {
    const missing = createColorizeHandlers({ store, runtime, log, maxInputPixels: 1e7, modelId: 'no-such-model' });
    const outcome = await missing.image(await preprocessed(true), context());
    assert.ok(outcome.kind === 'reject' && outcome.code === 'MODEL_UNAVAILABLE', JSON.stringify(outcome));
    assert.match(outcome.reason, /no model "no-such-model" is installed/);

    // The bundled manifest beside a damaged ONNX file: the registry refuses it by its hash.
    const broken = join(dir, 'broken-models');
    await mkdir(broken);
    const manifest = `${DEFAULT_COLORIZE_MODEL}.manifest.json`;
    await copyFile(
      join(
        bundledModelDirs.find((d) => existsSync(join(d, manifest)))!,
        manifest,
      ),
      join(broken, manifest),
    );
    await writeFile(join(broken, `${DEFAULT_COLORIZE_MODEL}.onnx`), 'not a model');
    const brokenRuntime = createModelRuntime({ registry: createModelRegistry([broken]), threads: 1 });
    const refused = await createColorizeHandlers({ store, runtime: brokenRuntime, log, maxInputPixels: 1e7 }).image(
      await preprocessed(true),
      context(),
    );
    assert.ok(refused.kind === 'reject' && refused.code === 'MODEL_UNAVAILABLE', JSON.stringify(refused));
    assert.match(refused.reason, /sha256 .* corrupt/);
  });

  it('rejects with INPUT_MISSING when the preprocessed image is gone', async () => {
    const input = await preprocessed(true);
    await store.delete(input.key);
    assert.deepEqual(await handlers.image(input, context()).then((o) => [o.kind, o.kind === 'reject' && o.code]), [
      'reject',
      'INPUT_MISSING',
    ]);
  });

  it('emits the same next event when the item is delivered twice', async () => {
    const input = await preprocessed(true);
    const first = nextOf(await handlers.image(input, context()));
    const second = nextOf(await handlers.image(input, context()));
    // `at` is the completion time; JetStream drops the second publish by its msgID anyway.
    assert.deepEqual({ ...second, event: { ...second.event, at: '' } }, { ...first, event: { ...first.event, at: '' } });
  });
});
