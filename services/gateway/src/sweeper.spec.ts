import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import type { EnhanceOptions } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createMediaRepository, createSweepRepository, migrate, type MediaRepository, type MediaStatus } from './persistence/index.ts';
import { createSweeper } from './sweeper.ts';

const options: EnhanceOptions = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 };
const HOUR = 3_600_000;
const log = createLogger('sweeper-spec', 'silent');

describe('sweeper (real PostgreSQL, filesystem store)', () => {
  let pg: RunningPostgres;
  let sql: Sql;
  let dir: string;
  let store: ObjectStore;
  let media: MediaRepository;

  before(async () => {
    pg = await startPostgres();
    sql = postgres(pg.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    dir = await mkdtemp(join(tmpdir(), 'revive-sweeper-'));
    store = createFilesystemStore(dir);
    media = createMediaRepository(sql);
  });
  after(async () => {
    await sql?.end();
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** An item in `status` that finished `agoMs` ago, with an original, a result, an intermediate and a video chunk record. */
  async function item(status: MediaStatus, agoMs: number) {
    const id = randomUUID();
    const keys = {
      original: `media/${id}/original.jpg`,
      result: `media/${id}/result.png`,
      intermediate: `media/${id}/superres.png`,
      chunk: `media/${id}/colorize/chunk-00000.event.json`,
      originalPreview: `media/${id}/original-preview.webp`,
      resultPreview: `media/${id}/result-preview.webp`,
    };
    for (const key of Object.values(keys)) await store.put(key, new Uint8Array([1]));
    await media.create({ id, kind: 'image', filename: 'a.jpg', contentType: 'image/jpeg', bytes: 1, options, originalKey: keys.original });
    const preview = (key: string) => sql.json({ key, width: 480, height: 300 });
    await sql`UPDATE media SET status = ${status}, result_key = ${status === 'COMPLETED' ? keys.result : null},
      original_preview = ${preview(keys.originalPreview)}, result_preview = ${status === 'COMPLETED' ? preview(keys.resultPreview) : null},
      updated_at = now() - ${agoMs} * interval '1 millisecond' WHERE id = ${id}`;
    return { id, keys };
  }
  async function left(id: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of store.list(`media/${id}/`)) keys.push(key.slice(key.lastIndexOf('/') + 1));
    return keys.sort();
  }

  it('keeps the result and original (and their previews) of COMPLETED items, the original of CANCELLED ones, and all of a FAILED one within its retry window', async () => {
    const completed = await item('COMPLETED', 2 * HOUR);
    const cancelled = await item('CANCELLED', 2 * HOUR);
    const failedRecently = await item('FAILED', 2 * HOUR);
    const failedLongAgo = await item('FAILED', 30 * HOUR);
    const justFinished = await item('COMPLETED', 0);
    const running = await item('PROCESSING', 2 * HOUR);
    const sweeper = createSweeper({
      repository: createSweepRepository(sql),
      store,
      settings: { sweepIntervalMs: HOUR, retryWindowMs: 24 * HOUR, resultRetentionMs: undefined },
      log,
    });
    assert.deepEqual(await sweeper.sweepOnce(), { swept: 3, expired: 0 });
    assert.deepEqual(await left(completed.id), ['original-preview.webp', 'original.jpg', 'result-preview.webp', 'result.png']);
    assert.deepEqual(await left(cancelled.id), ['original-preview.webp', 'original.jpg']);
    assert.deepEqual(await left(failedLongAgo.id), ['original-preview.webp', 'original.jpg']);
    const untouched = [
      'chunk-00000.event.json',
      'original-preview.webp',
      'original.jpg',
      'result-preview.webp',
      'result.png',
      'superres.png',
    ];
    assert.deepEqual(await left(failedRecently.id), untouched, 'still retryable');
    assert.deepEqual(await left(justFinished.id), untouched, 'a write racing its end may still land');
    assert.deepEqual(await left(running.id), untouched);
    assert.deepEqual(await sweeper.sweepOnce(), { swept: 0, expired: 0 }, 'each item is swept once');
  });

  it('deletes finished items whole (objects and row) once their retention passes, and nothing else', async () => {
    const old = await item('COMPLETED', 40 * 24 * HOUR);
    const recent = await item('COMPLETED', 2 * HOUR);
    const running = await item('PROCESSING', 40 * 24 * HOUR);
    const sweeper = createSweeper({
      repository: createSweepRepository(sql),
      store,
      settings: { sweepIntervalMs: HOUR, retryWindowMs: 24 * HOUR, resultRetentionMs: 30 * 24 * HOUR },
      log,
    });
    // Both finished items are swept of their intermediates first; the old one then goes whole.
    assert.deepEqual(await sweeper.sweepOnce(), { swept: 2, expired: 1 });
    assert.deepEqual(await left(old.id), []);
    assert.equal(await media.get(old.id), undefined);
    assert.deepEqual(await left(recent.id), ['original-preview.webp', 'original.jpg', 'result-preview.webp', 'result.png']);
    assert.ok(await media.get(recent.id));
    assert.equal((await media.get(running.id))?.status, 'PROCESSING');
  });
});
