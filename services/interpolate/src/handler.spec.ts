import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hopsOf, messageId, parseEvent, Stages, Subjects, type VideoChunkEvent } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { ItemCancelledError, type Outcome } from '@revive/messaging';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { recordingContext } from '@revive/stage-kit/testing';
import { chunkKey } from '@revive/video-io';
import { loadChunkFrames, storeChunk } from '@revive/video-io/testing';
import { createInterpolateHandlers, type InterpolateHandlers } from './handler.ts';

const log = createLogger('interpolate-test', 'silent');
const [W, H] = [64, 48];

const context = (signal?: AbortSignal) => recordingContext('interpolate', signal);

function handedOn(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  const next = outcome.next[0]!;
  assert.equal(next.subject, Subjects.videoInterpolated);
  return { msgID: next.msgID, event: parseEvent(Subjects.videoInterpolated, next.payload) };
}

function rejectedWith(outcome: Outcome, code: string): string {
  assert.ok(outcome.kind === 'reject' && outcome.code === code, JSON.stringify(outcome));
  return outcome.reason;
}

const grey = (levels: number[]) => levels.map((v) => new Uint8Array(W * H * 3).fill(v));

describe('interpolate handlers (the stage as its consumer loop runs it, store on disk)', () => {
  let dir: string;
  let store: ObjectStore;
  let handlers: InterpolateHandlers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-interpolate-spec-'));
    store = createFilesystemStore(join(dir, 'objects'));
    handlers = createInterpolateHandlers({ store, log, tmpDir: dir });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A one-chunk video as super-resolution hands it on. */
  const superResolved = async (levels: number[], frameRateFactor: 1 | 2 | 4): Promise<VideoChunkEvent> =>
    parseEvent(Subjects.videoSuperResolved, {
      ...(await storeChunk({
        store,
        dir,
        frames: grey(levels),
        width: W,
        height: H,
        options: { frameRateFactor },
        stage: Stages.superres,
      })),
      scale: 1,
    });

  it('has a handler for each hop the flow map gives the stage, and no other', () => {
    assert.deepEqual(
      hopsOf(Stages.interpolate).map((h) => h.consumes),
      [Subjects.videoSuperResolved],
    );
    assert.deepEqual(Object.keys(handlers), ['video']);
  });

  it('doubles a chunk: stores the frames, reports progress in output frames with heartbeats, and hands on one event keyed by item and chunk', async () => {
    const input = await superResolved([40, 80, 120], 2);
    const ctx = context();
    const { msgID, event } = handedOn(await handlers.video(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, Stages.interpolate, 0));
    assert.deepEqual([event.mediaId, event.frameRate, event.frames, event.chunk.frames], [input.mediaId, '50/1', 6, 6]);
    assert.equal(event.key, chunkKey(input.mediaId, Stages.interpolate, 0));
    const frames = await loadChunkFrames(store, event.key, W, H, dir);
    assert.equal(frames.length, 6, 'the stored chunk holds every output frame');
    assert.deepEqual(ctx.seen.at(-1), [6, 6, 'frames']);
    assert.ok(ctx.beats >= 6, `a heartbeat per frame at least (${ctx.beats})`);
  });

  it('hands a chunk it already finished on again from its record, without redoing it', async () => {
    const input = await superResolved([40, 80], 2);
    const first = handedOn(await handlers.video(input, context()));
    const again = context();
    const second = handedOn(await handlers.video(input, again));
    assert.deepEqual(second, first);
    assert.deepEqual(again.seen, [], 'no frame was produced the second time');
  });

  it('passes factor 1 on untouched, saying why, and writes nothing', async () => {
    const input = await superResolved([40, 80], 1);
    const ctx = context();
    const { event } = handedOn(await handlers.video(input, ctx));
    assert.deepEqual([event.key, event.frameRate, event.chunk, event.skipped], [input.key, '25/1', input.chunk, 'motion kept']);
    assert.equal(await store.head(chunkKey(input.mediaId, Stages.interpolate, 0)), undefined);
    assert.deepEqual(ctx.seen, []);
  });

  it('rejects a chunk whose input is gone as INPUT_MISSING, and damaged input as CORRUPT_VIDEO', async () => {
    const gone = await superResolved([40, 80], 2);
    await store.delete(gone.key);
    rejectedWith(await handlers.video(gone, context()), 'INPUT_MISSING');

    const damaged = await superResolved([40, 80], 2);
    await store.put(damaged.key, new TextEncoder().encode('not a video'), { contentType: 'video/x-matroska' });
    rejectedWith(await handlers.video(damaged, context()), 'CORRUPT_VIDEO');
    assert.equal(await store.head(chunkKey(damaged.mediaId, Stages.interpolate, 0, 'event.json')), undefined, 'nothing recorded');
  });

  it('stops a cancelled item: throws for the consumer loop to settle, hands nothing on, records nothing', async () => {
    const input = await superResolved([40, 80, 120], 2);
    const cancel = new AbortController();
    cancel.abort(new ItemCancelledError(input.mediaId));
    await assert.rejects(handlers.video(input, context(cancel.signal)), ItemCancelledError);
    assert.equal(await store.head(chunkKey(input.mediaId, Stages.interpolate, 0, 'event.json')), undefined);
  });
});
