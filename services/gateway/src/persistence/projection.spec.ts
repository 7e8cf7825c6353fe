import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { Subjects, type EnhanceOptions, type StageProgress } from '@revive/contracts';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createMediaRepository, type MediaRepository } from './media.repository.ts';
import type { MediaRecord } from './media.model.ts';
import { migrate } from './migrate.ts';
import { createProjection, type Projection } from './projection.ts';

const T0 = Date.parse('2026-11-23T12:00:00.000Z');
/** The instant `s` seconds into an item's journey. */
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const defaults: EnhanceOptions = { scale: 2, colorize: 'auto', frameRateFactor: 2 };
const stage = (m: MediaRecord | undefined, name: string) => m?.stages.find((s) => s.stage === name);

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
    const base = { mediaId: id, options };
    return { id, base, uploaded: { ...base, at: at(0), originalKey, filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 } };
  }
  const progress = (mediaId: string, stageName: StageProgress['stage'], done: number, total: number, s: number): StageProgress => ({ mediaId, stage: stageName, done, total, unit: 'tiles', at: at(s) });

  it('follows an image from upload to COMPLETED, with stage states and durations', async () => {
    const { id, base, uploaded } = await uploadImage();
    const queued = await projection.applyEvent(Subjects.imageUploaded, uploaded, nextId());
    assert.equal(queued?.status, 'QUEUED');

    const pre = await projection.applyEvent(Subjects.imagePreprocessed, { ...base, at: at(1), key: `media/${id}/pre.png`, width: 640, height: 480, isMonochrome: true }, nextId());
    assert.equal(pre?.status, 'PROCESSING');
    assert.deepEqual([pre?.width, pre?.height], [640, 480]);
    assert.deepEqual(stage(pre, 'preprocess'), { stage: 'preprocess', status: 'DONE', progress: 100, done: null, total: null, unit: null, startedAt: null, finishedAt: at(1), durationMs: null });

    await projection.applyProgress(progress(id, 'colorize', 0, 4, 2));
    const running = await projection.applyProgress(progress(id, 'colorize', 2, 4, 3));
    assert.deepEqual(stage(running, 'colorize'), { stage: 'colorize', status: 'RUNNING', progress: 50, done: 2, total: 4, unit: 'tiles', startedAt: at(2), finishedAt: null, durationMs: null });
    assert.equal(stage(running, 'superres')?.status, 'PENDING', 'the next stage waits for its own progress');

    const colorized = await projection.applyEvent(Subjects.imageColorized, { ...base, at: at(5), key: `media/${id}/color.png`, width: 640, height: 480, colorized: true }, nextId());
    assert.deepEqual(stage(colorized, 'colorize'), { stage: 'colorize', status: 'DONE', progress: 100, done: 4, total: 4, unit: 'tiles', startedAt: at(2), finishedAt: at(5), durationMs: 3000 });

    await projection.applyProgress(progress(id, 'superres', 1, 8, 6));
    const sr = await projection.applyEvent(Subjects.imageSuperResolved, { ...base, at: at(10), key: `media/${id}/sr.png`, width: 1280, height: 960, scale: 2 }, nextId());
    assert.deepEqual([stage(sr, 'superres')?.status, stage(sr, 'superres')?.durationMs], ['DONE', 4000]);
    assert.equal(sr?.status, 'PROCESSING');

    const done = await projection.applyEvent(Subjects.imagePublished, { ...base, at: at(11), key: `media/${id}/result.png`, width: 1280, height: 960, contentType: 'image/png' }, nextId());
    assert.equal(done?.status, 'COMPLETED');
    assert.deepEqual([done?.resultKey, done?.resultWidth, done?.resultHeight], [`media/${id}/result.png`, 1280, 960]);
    assert.deepEqual(done?.stages.map((s) => s.status), ['DONE', 'DONE', 'DONE', 'DONE']);
    assert.deepEqual(await repo.get(id), done, 'what the caller fans out is what is stored');
  });

  it('marks colorize and super-resolution SKIPPED when they passed the item on unchanged', async () => {
    const options: EnhanceOptions = { scale: 1, colorize: 'auto', frameRateFactor: 2 };
    const { id, base } = await uploadImage(options);
    await projection.applyEvent(Subjects.imagePreprocessed, { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: false }, nextId());
    const colorized = await projection.applyEvent(Subjects.imageColorized, { ...base, at: at(2), key: `media/${id}/pre.png`, width: 64, height: 48, colorized: false }, nextId());
    assert.equal(stage(colorized, 'colorize')?.status, 'SKIPPED');
    assert.equal(colorized?.status, 'PROCESSING');
    const sr = await projection.applyEvent(Subjects.imageSuperResolved, { ...base, at: at(3), key: `media/${id}/pre.png`, width: 64, height: 48, scale: 1 }, nextId());
    assert.deepEqual(sr?.stages.map((s) => s.status), ['DONE', 'SKIPPED', 'SKIPPED', 'PENDING']);
  });

  it('records a failure on its stage and the item, and ignores what arrives after it', async () => {
    const { id, base } = await uploadImage();
    await projection.applyEvent(Subjects.imagePreprocessed, { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true }, nextId());
    await projection.applyProgress(progress(id, 'colorize', 1, 4, 2));
    const failed = await projection.applyEvent(Subjects.mediaFailed, { ...base, at: at(4), kind: 'image', stage: 'colorize', code: 'MODEL_REJECTED', message: 'the model returned NaN', attempt: 3 }, nextId());
    assert.equal(failed?.status, 'FAILED');
    assert.deepEqual(failed?.error, { code: 'MODEL_REJECTED', message: 'the model returned NaN', stage: 'colorize', attempt: 3, at: at(4) });
    assert.deepEqual(stage(failed, 'colorize'), { stage: 'colorize', status: 'FAILED', progress: 25, done: 1, total: 4, unit: 'tiles', startedAt: at(2), finishedAt: at(4), durationMs: 2000 });
    assert.equal(await projection.applyProgress(progress(id, 'colorize', 3, 4, 5)), undefined);
    assert.deepEqual(await repo.get(id), failed);
  });

  it('projects a redelivered event once, even when two replicas receive it at the same moment', async () => {
    const { id, base } = await uploadImage();
    const event = { ...base, at: at(1), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true };
    const eventId = nextId();
    const replica = postgres(server.url, { max: 2, onnotice: () => {} });
    try {
      const results = await Promise.all([projection, createProjection(replica)].map((p) => p.applyEvent(Subjects.imagePreprocessed, event, eventId)));
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
    await projection.applyEvent(Subjects.imagePreprocessed, { ...base, at: at(2), key: `media/${id}/pre.png`, width: 64, height: 48, isMonochrome: true }, nextId());
    assert.equal(await projection.applyProgress(progress(id, 'preprocess', 4, 4, 3)), undefined, 'progress after DONE');
    for (const [subject, extra] of [[Subjects.imageColorized, { colorized: true }], [Subjects.imageSuperResolved, { scale: 2 }], [Subjects.imagePublished, { contentType: 'image/png' }]] as const) {
      await projection.applyEvent(subject, { ...base, at: at(4), key: `media/${id}/x.png`, width: 64, height: 48, ...extra } as never, nextId());
    }
    const completed = await repo.get(id);
    assert.equal(completed?.status, 'COMPLETED');
    assert.equal(await projection.applyProgress(progress(id, 'publish', 1, 2, 5)), undefined, 'progress after COMPLETED');
    const lateFailure = await projection.applyEvent(Subjects.mediaFailed, { ...base, at: at(6), kind: 'image', stage: 'publish', code: 'X', message: 'late', attempt: 1 }, nextId());
    assert.equal(lateFailure?.status, 'COMPLETED', 'a published result outlives a late failure report');
    assert.deepEqual({ ...(await repo.get(id)), updatedAt: null }, { ...completed, updatedAt: null });
  });

  it('returns undefined for media it does not know, without throwing', async () => {
    const mediaId = randomUUID();
    const event = { mediaId, options: defaults, at: at(1), key: 'media/x/pre.png', width: 1, height: 1, isMonochrome: false };
    assert.equal(await projection.applyEvent(Subjects.imagePreprocessed, event, nextId()), undefined);
    assert.equal(await projection.applyProgress(progress(mediaId, 'colorize', 1, 2, 1)), undefined);
  });

  it('runs a video through interpolation, skipping it at frame-rate factor 1', async () => {
    for (const frameRateFactor of [2, 1] as const) {
      const id = randomUUID();
      const options: EnhanceOptions = { ...defaults, frameRateFactor };
      await repo.create({ id, kind: 'video', filename: 'v.mp4', contentType: 'video/mp4', bytes: 10, options, originalKey: `media/${id}/original.mp4` });
      const video = { mediaId: id, options, at: at(1), key: `media/${id}/v.mkv`, width: 64, height: 48, frames: 24, fps: 24, hasAudio: false };
      await projection.applyProgress({ mediaId: id, stage: 'interpolate', done: 12, total: 48, unit: 'frames', at: at(0) });
      const m = await projection.applyEvent(Subjects.videoInterpolated, video, nextId());
      assert.deepEqual(stage(m, 'interpolate'), { stage: 'interpolate', status: frameRateFactor === 1 ? 'SKIPPED' : 'DONE', progress: 100, done: 48, total: 48, unit: 'frames', startedAt: at(0), finishedAt: at(1), durationMs: 1000 });
      assert.equal(await projection.applyEvent(Subjects.imageColorized, { ...video, colorized: true }, nextId()).then((r) => stage(r, 'colorize')?.status), 'PENDING', 'an image event is not a video’s history');
    }
  });
});
