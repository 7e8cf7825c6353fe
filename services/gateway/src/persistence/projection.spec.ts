import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { FLOW, stagesOf, Subjects, type EnhanceOptions, type MediaKind, type Stage, type StageProgress } from '@revive/contracts';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createMediaRepository, type MediaRepository } from './media.repository.ts';
import type { MediaRecord } from './media.model.ts';
import { migrate } from './migrate.ts';
import { createProjection, type Projection } from './projection.ts';

const T0 = Date.parse('2026-11-23T12:00:00.000Z');
/** The instant `s` seconds into an item's journey. */
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const defaults: EnhanceOptions = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 };
const stage = (m: MediaRecord | undefined, name: string) => m?.stages.find((s) => s.stage === name);
/** Each stage's status, by name. */
const statuses = (m: MediaRecord | undefined) => Object.fromEntries(m?.stages.map((s) => [s.stage, s.status]) ?? []);
/** Every stage of a kind, with one status. */
const every = (kind: MediaKind, status: string) => Object.fromEntries(stagesOf(kind).map((s) => [s, status]));
/** The catalogue's hops strictly between two stages: ones a test lets hand the item on without watching them. */
const hopsBetween = (kind: MediaKind, from: Stage, to: Stage) => {
  const order = FLOW[kind].map((h) => h.stage);
  return FLOW[kind].slice(order.indexOf(from) + 1, order.indexOf(to));
};

describe('projection (real PostgreSQL)', () => {
  let server: RunningPostgres;
  let sql: Sql;
  let repo: MediaRepository;
  let projection: Projection;
  let seq = 0;
  /** A fresh stream sequence, as the JetStream consumer would pass. */
  const nextId = () => String(++seq);

  before(async () => {
    server = await startPostgres();
    sql = postgres(server.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    repo = createMediaRepository(sql);
    projection = createProjection(sql);
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  async function uploadImage(options: EnhanceOptions = defaults) {
    const id = randomUUID();
    const originalKey = `media/${id}/original.jpg`;
    await repo.create({ id, kind: 'image', filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10, options, originalKey });
    // What every image stage event carries besides its artifact (the catalogue's shared shape).
    const base = { mediaId: id, options, isMonochrome: true };
    return { id, base, uploaded: { ...base, at: at(0), originalKey, filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 } };
  }
  const progress = (mediaId: string, stageName: StageProgress['stage'], done: number, total: number, s: number): StageProgress => ({
    mediaId,
    stage: stageName,
    done,
    total,
    unit: 'tiles',
    at: at(s),
  });

  it('follows an image from upload to COMPLETED, with stage states and durations', async () => {
    const { id, base, uploaded } = await uploadImage();
    const queued = await projection.applyEvent(Subjects.imageUploaded, uploaded, nextId());
    assert.equal(queued?.status, 'QUEUED');

    const pre = await projection.applyEvent(
      Subjects.imagePreprocessed,
      {
        ...base,
        at: at(1),
        key: `media/${id}/pre.png`,
        width: 640,
        height: 480,
        isMonochrome: true,
        preview: { key: `media/${id}/original-preview.webp`, width: 480, height: 360 },
      },
      nextId(),
    );
    assert.equal(pre?.status, 'PROCESSING');
    assert.deepEqual([pre?.width, pre?.height], [640, 480]);
    assert.deepEqual(pre?.originalPreview, { key: `media/${id}/original-preview.webp`, width: 480, height: 360 });
    assert.deepEqual([pre?.resultPreview, pre?.resultBytes], [null, null], 'the result is not known before publish');
    assert.deepEqual(stage(pre, 'preprocess'), {
      stage: 'preprocess',
      status: 'DONE',
      progress: 100,
      done: null,
      total: null,
      unit: null,
      startedAt: null,
      finishedAt: at(1),
      durationMs: null,
    });
    for (const hop of hopsBetween('image', 'preprocess', 'colorize'))
      await projection.applyEvent(
        hop.emits,
        { ...base, at: at(1), key: `media/${id}/pre.png`, width: 640, height: 480 } as never,
        nextId(),
      );

    await projection.applyProgress(progress(id, 'colorize', 0, 4, 2));
    const running = await projection.applyProgress(progress(id, 'colorize', 2, 4, 3));
    assert.deepEqual(stage(running, 'colorize'), {
      stage: 'colorize',
      status: 'RUNNING',
      progress: 50,
      done: 2,
      total: 4,
      unit: 'tiles',
      startedAt: at(2),
      finishedAt: null,
      durationMs: null,
    });
    assert.equal(stage(running, 'superres')?.status, 'PENDING', 'the next stage waits for its own progress');

    const colorized = await projection.applyEvent(
      Subjects.imageColorized,
      { ...base, at: at(5), key: `media/${id}/color.png`, width: 640, height: 480 },
      nextId(),
    );
    assert.deepEqual(stage(colorized, 'colorize'), {
      stage: 'colorize',
      status: 'DONE',
      progress: 100,
      done: 4,
      total: 4,
      unit: 'tiles',
      startedAt: at(2),
      finishedAt: at(5),
      durationMs: 3000,
    });

    await projection.applyProgress(progress(id, 'superres', 1, 8, 6));
    const sr = await projection.applyEvent(
      Subjects.imageSuperResolved,
      { ...base, at: at(10), key: `media/${id}/sr.png`, width: 1280, height: 960 },
      nextId(),
    );
    assert.deepEqual([stage(sr, 'superres')?.status, stage(sr, 'superres')?.durationMs], ['DONE', 4000]);
    assert.equal(sr?.status, 'PROCESSING');

    const done = await projection.applyEvent(
      Subjects.imagePublished,
      {
        ...base,
        at: at(11),
        key: `media/${id}/result.png`,
        width: 1280,
        height: 960,
        contentType: 'image/png',
        bytes: 2_345_678,
        preview: { key: `media/${id}/result-preview.webp`, width: 480, height: 360 },
      },
      nextId(),
    );
    assert.equal(done?.status, 'COMPLETED');
    assert.deepEqual([done?.resultKey, done?.resultWidth, done?.resultHeight], [`media/${id}/result.png`, 1280, 960]);
    assert.deepEqual(
      [done?.resultBytes, done?.resultPreview],
      [2_345_678, { key: `media/${id}/result-preview.webp`, width: 480, height: 360 }],
    );
    assert.deepEqual(done?.originalPreview, pre?.originalPreview, "later stages' events leave the original's preview alone");
    assert.deepEqual(statuses(done), every('image', 'DONE'));
    assert.deepEqual(await repo.get(id), done, 'what the caller fans out is what is stored');
  });

  it('marks colorize and super-resolution SKIPPED when they passed the item on unchanged', async () => {
    const options: EnhanceOptions = { ...defaults, scale: 1 };
    const { id, base } = await uploadImage(options);
    await projection.applyEvent(
      Subjects.imagePreprocessed,
      { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: false },
      nextId(),
    );
    for (const hop of hopsBetween('image', 'preprocess', 'colorize'))
      await projection.applyEvent(hop.emits, { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48 } as never, nextId());
    const colorized = await projection.applyEvent(
      Subjects.imageColorized,
      { ...base, at: at(2), key: `media/${id}/pre.png`, width: 64, height: 48, skipped: 'already in colour' },
      nextId(),
    );
    assert.deepEqual(
      [stage(colorized, 'colorize')?.status, stage(colorized, 'colorize')?.note],
      ['SKIPPED', 'already in colour'],
      'the reason the stage gave, kept for people',
    );
    assert.equal(colorized?.status, 'PROCESSING');
    const sr = await projection.applyEvent(
      Subjects.imageSuperResolved,
      { ...base, at: at(3), key: `media/${id}/pre.png`, width: 64, height: 48, skipped: 'size kept' },
      nextId(),
    );
    assert.deepEqual(statuses(sr), { ...every('image', 'DONE'), colorize: 'SKIPPED', superres: 'SKIPPED', publish: 'PENDING' });
  });

  it('keeps what a stage said it did as the note of its DONE state, in the slot a skip reason takes', async () => {
    const { id, base } = await uploadImage();
    await projection.applyEvent(
      Subjects.imagePreprocessed,
      { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true },
      nextId(),
    );
    const colorized = await projection.applyEvent(
      Subjects.imageColorized,
      { ...base, at: at(2), key: `media/${id}/color.png`, width: 64, height: 48, summary: 'coloured a grey photo' },
      nextId(),
    );
    assert.deepEqual(
      [stage(colorized, 'colorize')?.status, stage(colorized, 'colorize')?.note],
      ['DONE', 'coloured a grey photo'],
      'any stage, no rule of its own',
    );
    const sr = await projection.applyEvent(
      Subjects.imageSuperResolved,
      { ...base, at: at(3), key: `media/${id}/color.png`, width: 64, height: 48, skipped: 'size kept', summary: 'enlarged 2×' },
      nextId(),
    );
    assert.deepEqual(
      [stage(sr, 'superres')?.status, stage(sr, 'superres')?.note],
      ['SKIPPED', 'size kept'],
      'a stage that skipped is told by why, whatever else it said',
    );
    assert.equal(stage(sr, 'preprocess')?.note, undefined, 'a stage that said nothing has no note');
  });

  it('records a failure on its stage and the item, and ignores what arrives after it', async () => {
    const { id, base } = await uploadImage();
    await projection.applyEvent(
      Subjects.imagePreprocessed,
      { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true },
      nextId(),
    );
    await projection.applyProgress(progress(id, 'colorize', 1, 4, 2));
    const failed = await projection.applyEvent(
      Subjects.mediaFailed,
      { ...base, at: at(4), kind: 'image', stage: 'colorize', code: 'MODEL_REJECTED', message: 'the model returned NaN', attempt: 3 },
      nextId(),
    );
    assert.equal(failed?.status, 'FAILED');
    assert.deepEqual(failed?.error, {
      code: 'MODEL_REJECTED',
      message: 'the model returned NaN',
      stage: 'colorize',
      attempt: 3,
      at: at(4),
    });
    assert.deepEqual(stage(failed, 'colorize'), {
      stage: 'colorize',
      status: 'FAILED',
      progress: 25,
      done: 1,
      total: 4,
      unit: 'tiles',
      startedAt: at(2),
      finishedAt: at(4),
      durationMs: 2000,
    });
    assert.equal(await projection.applyProgress(progress(id, 'colorize', 3, 4, 5)), undefined);
    assert.deepEqual(await repo.get(id), failed);
  });

  it('projects a redelivered event once, even when two replicas receive it at the same moment', async () => {
    const { id, base } = await uploadImage();
    const event = { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true };
    const eventId = nextId();
    const replica = postgres(server.url, { max: 2, onnotice: () => {} });
    try {
      const results = await Promise.all(
        [projection, createProjection(replica)].map((p) => p.applyEvent(Subjects.imagePreprocessed, event, eventId)),
      );
      assert.equal(results.filter(Boolean).length, 1);
    } finally {
      await replica.end();
    }
    assert.equal(await projection.applyEvent(Subjects.imagePreprocessed, event, eventId), undefined, 'a later redelivery is a no-op');
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM projected_events WHERE media_id = ${id}`) as unknown as [{ n: number }];
    assert.equal(n, 1);
    // The same stage's event published again (a new stream message) does not move its finish.
    const again = await projection.applyEvent(Subjects.imagePreprocessed, { ...event, at: at(9) }, nextId());
    assert.equal(stage(again, 'preprocess')?.finishedAt, at(1));
  });

  it('never lets late or overtaken progress regress a stage or a finished item', async () => {
    const { id, base } = await uploadImage();
    assert.equal(stage(await projection.applyProgress(progress(id, 'preprocess', 3, 4, 1)), 'preprocess')?.done, 3);
    assert.equal(await projection.applyProgress(progress(id, 'preprocess', 2, 4, 1)), undefined, 'an overtaken report changes nothing');
    await projection.applyEvent(
      Subjects.imagePreprocessed,
      { ...base, at: at(2), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true },
      nextId(),
    );
    assert.equal(await projection.applyProgress(progress(id, 'preprocess', 4, 4, 3)), undefined, 'progress after DONE');
    for (const [subject, extra] of [
      [Subjects.imageColorized, {}],
      [Subjects.imageSuperResolved, {}],
      [
        Subjects.imagePublished,
        { contentType: 'image/png', bytes: 99, preview: { key: `media/${id}/result-preview.webp`, width: 64, height: 48 } },
      ],
    ] as const) {
      await projection.applyEvent(
        subject,
        { ...base, at: at(4), key: `media/${id}/x.png`, width: 64, height: 48, ...extra } as never,
        nextId(),
      );
    }
    const completed = await repo.get(id);
    assert.equal(completed?.status, 'COMPLETED');
    assert.equal(await projection.applyProgress(progress(id, 'publish', 1, 2, 5)), undefined, 'progress after COMPLETED');
    const lateFailure = await projection.applyEvent(
      Subjects.mediaFailed,
      { ...base, at: at(6), kind: 'image', stage: 'publish', code: 'X', message: 'late', attempt: 1 },
      nextId(),
    );
    assert.equal(lateFailure?.status, 'COMPLETED', 'a published result outlives a late failure report');
    assert.deepEqual({ ...(await repo.get(id)), updatedAt: null }, { ...completed, updatedAt: null });
  });

  it('returns undefined for media it does not know, without throwing', async () => {
    const mediaId = randomUUID();
    const event = { mediaId, options: defaults, at: at(1), key: 'media/x/pre.png', width: 1, height: 1, isMonochrome: false };
    assert.equal(await projection.applyEvent(Subjects.imagePreprocessed, event, nextId()), undefined);
    assert.equal(await projection.applyProgress(progress(mediaId, 'colorize', 1, 2, 1)), undefined);
  });

  /** A video of 3 chunks (10 + 10 + 5 frames at 25 fps) in the stage-output terms each stage's events use. */
  async function uploadVideo(options: EnhanceOptions = defaults) {
    const id = randomUUID();
    await repo.create({
      id,
      kind: 'video',
      filename: 'v.mp4',
      contentType: 'video/mp4',
      bytes: 10,
      options,
      originalKey: `media/${id}/original.mp4`,
    });
    const whole = {
      mediaId: id,
      options,
      isMonochrome: true,
      originalKey: `media/${id}/original.mp4`,
      width: 64,
      height: 48,
      frames: 25,
      fps: 25,
      frameRate: '25/1',
      durationSeconds: 1,
      hasAudio: true,
    };
    /** Chunk `index` as `stage` emits it; interpolate doubles the frames. */
    const chunkEvent = (index: number, s: number, factor = 1) => {
      const [first, frames] = (
        [
          [0, 10],
          [10, 10],
          [20, 5],
        ] as Array<[number, number]>
      )[index]!;
      return {
        ...whole,
        frames: 25 * factor,
        at: at(s),
        key: `media/${id}/x/chunk-${index}.mkv`,
        chunk: {
          index,
          count: 3,
          startSeconds: first / 25,
          durationSeconds: frames / 25,
          frames: frames * factor,
          firstFrame: first * factor,
          overlapFrames: 0,
        },
      };
    };
    return { id, whole, chunkEvent };
  }
  const frames = (mediaId: string, stageName: StageProgress['stage'], done: number, total: number, s: number): StageProgress => ({
    mediaId,
    stage: stageName,
    done,
    total,
    unit: 'frames',
    at: at(s),
  });

  it('turns per-chunk video events into per-stage progress in frames: DONE with the last chunk, announced once', async () => {
    const { id, whole, chunkEvent } = await uploadVideo();
    const pre = [];
    for (const i of [0, 1, 2])
      pre.push(await projection.applyEvent(Subjects.videoPreprocessed, { ...chunkEvent(i, 1), isMonochrome: true }, nextId()));
    assert.deepEqual(
      pre.map((m) => stage(m, 'preprocess')?.status),
      [undefined, undefined, 'DONE'],
      'only the last chunk finishes the stage and is announced',
    );
    assert.deepEqual(
      [stage(pre[2], 'preprocess')?.done, stage(pre[2], 'preprocess')?.total, stage(pre[2], 'preprocess')?.unit],
      [25, 25, 'frames'],
    );
    for (const hop of hopsBetween('video', 'preprocess', 'colorize'))
      for (const i of [0, 1, 2]) await projection.applyEvent(hop.emits, chunkEvent(i, 1) as never, nextId());

    // Two replicas colorize chunks 0 and 1 at once: their reports interleave, the stage never goes back.
    await projection.applyProgress({ ...frames(id, 'colorize', 0, 1, 2), unit: 'steps' });
    const a = await projection.applyProgress(frames(id, 'colorize', 6, 10, 4));
    const b = await projection.applyProgress(frames(id, 'colorize', 2, 10, 4));
    assert.deepEqual(
      [stage(a, 'colorize')?.done, stage(a, 'colorize')?.total, stage(a, 'colorize')?.progress, stage(a, 'colorize')?.etaSeconds],
      [6, 25, 24, 6],
    );
    assert.equal(b, undefined, "a report behind the stage's figure changes nothing");
    // Chunks finish out of order, one of them twice.
    assert.equal(await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(1, 5) }, nextId()), undefined);
    const afterOne = await repo.get(id);
    assert.deepEqual(
      [stage(afterOne, 'colorize')?.status, stage(afterOne, 'colorize')?.done, stage(afterOne, 'colorize')?.chunks],
      ['RUNNING', 10, { count: 3, done: [1], framesDone: 10, worked: 1 }],
    );
    assert.equal(
      stage(await projection.applyProgress(frames(id, 'colorize', 4, 5, 6)), 'colorize')?.done,
      14,
      "finished frames plus the running chunk's",
    );
    await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(2, 6) }, nextId());
    assert.equal(
      await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(2, 7) }, nextId()),
      undefined,
      'a duplicate chunk is counted once',
    );
    const done = await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(0, 8) }, nextId());
    assert.deepEqual(stage(done, 'colorize'), {
      stage: 'colorize',
      status: 'DONE',
      progress: 100,
      done: 25,
      total: 25,
      unit: 'frames',
      startedAt: at(2),
      finishedAt: at(8),
      durationMs: 6000,
      chunks: { count: 3, done: [0, 1, 2], framesDone: 25, worked: 3 },
    });

    // Interpolation counts output frames: twice the source's at factor 2, known before its first chunk ends.
    const running = await projection.applyProgress(frames(id, 'interpolate', 5, 20, 9));
    assert.deepEqual([stage(running, 'interpolate')?.done, stage(running, 'interpolate')?.total], [5, 50]);
    for (const s of ['superres', 'interpolate'] as const) {
      for (const i of [2, 0, 1]) {
        const m =
          s === 'superres'
            ? await projection.applyEvent(Subjects.videoSuperResolved, chunkEvent(i, 10), nextId())
            : await projection.applyEvent(Subjects.videoInterpolated, chunkEvent(i, 11, 2), nextId());
        assert.equal(stage(m, s)?.status, i === 1 ? 'DONE' : undefined);
      }
    }
    assert.deepEqual([stage(await repo.get(id), 'interpolate')?.done, stage(await repo.get(id), 'interpolate')?.total], [50, 50]);
    const published = await projection.applyEvent(
      Subjects.videoPublished,
      {
        ...whole,
        at: at(12),
        frames: 50,
        fps: 50,
        frameRate: '50/1',
        key: `media/${id}/result.mp4`,
        posterKey: `media/${id}/poster.jpg`,
        contentType: 'video/mp4',
        bytes: 3_000_000_000,
        preview: { key: `media/${id}/result-preview.webp`, width: 480, height: 270 },
      },
      nextId(),
    );
    assert.equal(published?.status, 'COMPLETED');
    assert.equal(published?.resultBytes, 3_000_000_000, 'past 2^31: bigint, read back as a number');
    assert.deepEqual(statuses(published), every('video', 'DONE'));
  });

  it('marks video stages SKIPPED when every chunk passed through (colour video, scale 1, factor 1)', async () => {
    const { chunkEvent } = await uploadVideo({ ...defaults, scale: 1, frameRateFactor: 1 });
    for (const i of [0, 1, 2])
      await projection.applyEvent(Subjects.videoPreprocessed, { ...chunkEvent(i, 1), isMonochrome: false }, nextId());
    let m;
    for (const i of [0, 1, 2])
      for (const hop of hopsBetween('video', 'preprocess', 'publish'))
        m = await projection.applyEvent(hop.emits, { ...chunkEvent(i, 2), skipped: `${hop.stage}: nothing to do` } as never, nextId());
    assert.deepEqual(statuses(m), { ...every('video', 'SKIPPED'), preprocess: 'DONE', publish: 'PENDING' });
    assert.equal(
      await projection
        .applyEvent(
          Subjects.imageColorized,
          { mediaId: m!.id, options: m!.options, at: at(5), key: 'k.png', width: 1, height: 1, isMonochrome: true },
          nextId(),
        )
        .then((r) => stage(r, 'colorize')?.status),
      'SKIPPED',
      'an image event is not a video’s history',
    );
  });

  it('finishes a video stage DONE when it worked on any chunk, with the summary of the last chunk it worked on', async () => {
    const { chunkEvent } = await uploadVideo();
    for (const i of [0, 1, 2]) await projection.applyEvent(Subjects.videoPreprocessed, chunkEvent(i, 1), nextId());
    // A stage that decides per chunk: work on chunks 1 and 0, nothing to do on chunk 2, which ends last.
    await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(1, 2), summary: 'coloured 10 frames' }, nextId());
    await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(0, 3), summary: 'coloured 9 of 10 frames' }, nextId());
    const done = await projection.applyEvent(Subjects.videoColorized, { ...chunkEvent(2, 4), skipped: 'nothing to colour' }, nextId());
    assert.deepEqual(
      [stage(done, 'colorize')?.status, stage(done, 'colorize')?.note, stage(done, 'colorize')?.chunks?.worked],
      ['DONE', 'coloured 9 of 10 frames', 2],
      'a clean last chunk neither hides the work done on the others nor lends them its reason',
    );
    for (const i of [2, 0])
      await projection.applyEvent(Subjects.videoSuperResolved, { ...chunkEvent(i, 5), skipped: 'size kept' }, nextId());
    const skipped = await projection.applyEvent(Subjects.videoSuperResolved, { ...chunkEvent(1, 6), skipped: 'size kept' }, nextId());
    assert.deepEqual(
      [stage(skipped, 'superres')?.status, stage(skipped, 'superres')?.note],
      ['SKIPPED', 'size kept'],
      'SKIPPED only when every chunk was handed on unchanged',
    );
  });

  it('stamps updatedAt when the write happens, not when its transaction began: a write that waited for the row lock never looks older than the one it waited for', async () => {
    // Clients drop an update whose updatedAt is older than what they hold (an answer that arrived
    // late). A transaction stamped with its start time (now()) that then waits for the row lock
    // would carry an older stamp than the write it waited for: the page kept the older state
    // (RUNNING) and ignored the item's COMPLETED for good.
    const { id, base } = await uploadImage({ ...defaults, colorize: 'off' });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    const holder = sql.begin(async (tx) => {
      await tx`SELECT id FROM media WHERE id = ${id} FOR UPDATE`;
      locked();
      await held;
      // Another writer (a progress report, say) that committed while the event's transaction waited.
      const [row] = await tx`UPDATE media SET updated_at = clock_timestamp() WHERE id = ${id} RETURNING updated_at`;
      return new Date(row!.updated_at as Date).getTime();
    });
    await lockTaken;
    const waiting = projection.applyEvent(
      Subjects.imagePreprocessed,
      { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true },
      nextId(),
    );
    await new Promise((r) => setTimeout(r, 150));
    release();
    const otherWrite = await holder;
    const projected = await waiting;
    assert.ok(projected, 'the event was projected');
    assert.ok(
      Date.parse(projected.updatedAt) >= otherWrite,
      `updatedAt ${projected.updatedAt} is older than the write it waited for (${new Date(otherWrite).toISOString()})`,
    );
  });
});
