import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FLOW, hopEmitting, hopsOf, STAGE_CATALOGUE, STAGE_NAMES, stagesOf } from './flow.ts';
import { eventSchemas, InvalidEventError, isSubject, parseEvent } from './events.ts';
import { Consumers, messageId, Stages, Subjects } from './pipeline-names.ts';

const mediaId = '3f1c2a8e-5b7d-4c1e-9a2b-0d6e8f4a1b2c';
const at = '2026-11-23T12:00:00.000Z';
const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;

describe('pipeline contracts', () => {
  it('chains each kind: every hop consumes what the previous one emitted', () => {
    for (const hops of Object.values(FLOW)) {
      for (let i = 1; i < hops.length; i++) assert.equal(hops[i]!.consumes, hops[i - 1]!.emits);
      assert.equal(hops[0]!.stage, 'preprocess');
      assert.equal(hops.at(-1)!.stage, 'publish');
    }
    assert.deepEqual(stagesOf('image'), ['preprocess', 'repair', 'colorize', 'superres', 'publish']);
    assert.deepEqual(stagesOf('video'), ['preprocess', 'repair', 'colorize', 'superres', 'interpolate', 'publish']);
  });

  it('gives every subject at most one consuming stage and every consumer one hop', () => {
    const hops = [...FLOW.image, ...FLOW.video];
    assert.equal(new Set(hops.map((h) => h.consumes)).size, hops.length);
    assert.equal(new Set(hops.map((h) => h.consumer)).size, hops.length);
    assert.deepEqual(new Set(Object.values(Consumers)), new Set([...hops.map((h) => h.consumer), Consumers.gatewayProjection]));
    assert.deepEqual(
      hopsOf('interpolate').map((h) => h.consumes),
      [Subjects.videoSuperResolved],
    );
    for (const subject of Object.values(Subjects)) assert.ok(isSubject(subject) && subject in eventSchemas);
  });

  it('validates payloads at the boundary and says what is wrong', () => {
    const event = parseEvent(Subjects.imagePreprocessed, {
      mediaId,
      options,
      at,
      key: 'media/x/pre.png',
      width: 10,
      height: 20,
      isMonochrome: true,
    });
    assert.equal(event.width, 10);
    const uploaded = parseEvent(Subjects.imageUploaded, {
      mediaId,
      options: {},
      at,
      originalKey: 'media/x/original',
      filename: 'a.jpg',
      contentType: 'image/jpeg',
      bytes: 5,
    });
    assert.deepEqual(uploaded.options, options, 'defaults fill omitted options');
    assert.throws(
      () =>
        parseEvent(Subjects.imageColorized, { mediaId: 'nope', options, at, key: '../etc/passwd', width: 0, height: 1, colorized: true }),
      (e: unknown) =>
        e instanceof InvalidEventError && /mediaId/.test(e.message) && /key/.test(e.message) && /width/.test(e.message) && !e.retryable,
    );
  });

  it('lets a stage say, in a line for people, what it did or why it skipped', () => {
    const colorized = { mediaId, options, at, key: 'media/x/c.png', width: 10, height: 20, isMonochrome: true };
    assert.equal(parseEvent(Subjects.imageColorized, { ...colorized, summary: 'coloured the photo' }).summary, 'coloured the photo');
    assert.equal(parseEvent(Subjects.imageColorized, { ...colorized, skipped: 'already in colour' }).skipped, 'already in colour');
    for (const words of ['', 'x'.repeat(201)]) {
      assert.throws(() => parseEvent(Subjects.imageColorized, { ...colorized, summary: words }), /summary/);
      assert.throws(() => parseEvent(Subjects.imageColorized, { ...colorized, skipped: words }), /skipped/);
    }
  });

  it('describes video chunks: one event per chunk, the whole video alongside, image events unchanged', () => {
    const video = {
      mediaId,
      options,
      at,
      originalKey: 'media/x/original.mp4',
      width: 320,
      height: 180,
      frames: 60,
      fps: 30000 / 1001,
      frameRate: '30000/1001',
      durationSeconds: 2.002,
      hasAudio: true,
    };
    const chunk = { index: 1, count: 3, startSeconds: 0.8008, durationSeconds: 0.8008, frames: 24, firstFrame: 24 };
    const event = parseEvent(Subjects.videoPreprocessed, {
      ...video,
      key: 'media/x/preprocess/chunk-00001.mkv',
      chunk,
      isMonochrome: true,
    });
    assert.deepEqual(event.chunk, { ...chunk, overlapFrames: 0 }, 'overlap defaults to none');
    assert.throws(
      () => parseEvent(Subjects.videoColorized, { ...video, key: 'media/x/c.mkv', chunk: { ...chunk, index: 3 }, colorized: true }),
      /chunk\.index: index must be below count/,
    );
    assert.throws(() => parseEvent(Subjects.videoInterpolated, { ...video, key: 'media/x/i.mkv', chunk, frameRate: '29.97' }), /frameRate/);
    assert.throws(
      () => parseEvent(Subjects.videoSuperResolved, { ...video, key: 'media/x/s.mkv', scale: 2 }),
      /chunk/,
      'a video stage event names its chunk',
    );
    const published = parseEvent(Subjects.videoPublished, {
      ...video,
      key: 'media/x/result.mp4',
      posterKey: 'media/x/poster.jpg',
      contentType: 'video/mp4',
      preview: { key: 'media/x/result-preview.webp', width: 480, height: 270 },
      bytes: 123_456,
    });
    assert.equal('chunk' in published, false, 'publish joins: one event per video');
    assert.throws(
      () =>
        parseEvent(Subjects.videoPublished, {
          ...video,
          key: 'media/x/result.mp4',
          posterKey: 'media/x/poster.jpg',
          contentType: 'video/mp4',
        }),
      /preview.*bytes/s,
      "a published event says the result's preview and size",
    );
    assert.throws(
      () => parseEvent(Subjects.imagePublished, { mediaId, options, at, key: 'media/x/r.png', width: 1, height: 1 }),
      /contentType/,
    );
  });

  it('derives one message id per (media, stage) so JetStream drops duplicates', () => {
    assert.equal(messageId(mediaId, 'colorize'), `${mediaId}:colorize`);
    assert.notEqual(messageId(mediaId, 'colorize', 1), messageId(mediaId, 'colorize', 2));
    assert.equal(messageId(mediaId, 'preprocess', 0), `${mediaId}:preprocess:0`, "chunk 0 has its own id, not the whole video's");
  });

  it('ships a GraphQL SDL with the operations the API promises', () => {
    const sdl = readFileSync(new URL('../graphql/schema.graphql', import.meta.url), 'utf8');
    for (const needle of [
      'uploadMedia(file: File!, options: EnhanceOptions): Media!',
      'media(id: ID!): Media',
      'medias(first: Int = 20, after: String, filter: MediaFilter): MediaConnection!',
      'mediaProgress(id: ID!): MediaProgress!',
      'deleteMedia(ids: [ID!]!): [ID!]!',
      'reprocessMedia(id: ID!, options: EnhanceOptions): Media!',
    ]) {
      assert.ok(sdl.includes(needle), `schema lacks ${needle}`);
    }
  });

  it('keeps the stage catalogue the one list: stage names, the SDL enum, options and outcome events agree with it', () => {
    assert.deepEqual(STAGE_NAMES, Object.values(Stages), 'the catalogue names every stage, in flow order');
    const sdl = readFileSync(new URL('../graphql/schema.graphql', import.meta.url), 'utf8');
    const sdlStages = /enum StageName \{([^}]*)\}/.exec(sdl)?.[1]?.trim().split(/\s+/);
    assert.deepEqual(
      sdlStages,
      STAGE_NAMES.map((s) => s.toUpperCase()),
      'the SDL StageName enum lists the catalogue in its order',
    );
    for (const [stage, definition] of Object.entries(STAGE_CATALOGUE)) {
      if (definition.option) assert.ok(definition.option in options, `${stage}'s option ${definition.option} is an enhance option`);
      for (const route of Object.values(definition.routes)) {
        assert.equal(hopEmitting(route.emits)?.stage, stage);
        const { shape } = eventSchemas[route.emits as keyof typeof eventSchemas] as { shape: object };
        assert.ok('skipped' in shape, `${route.emits} can say the stage skipped`);
        assert.ok('summary' in shape, `${route.emits} can say what the stage did`);
      }
    }
  });
});
