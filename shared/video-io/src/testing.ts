// Test helpers (the `@revive/video-io/testing` export): chunk files and chunk events as preprocess leaves them.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseEvent, Subjects, type EnhanceOptions, type Stage, type VideoChunkEvent } from '@revive/contracts';
import type { ObjectStore } from '@revive/object-store';
import { download, upload } from '@revive/stage-kit';
import { chunkInOutputOf, chunkKey, describeChunk } from './chunks.ts';
import { INTERMEDIATE_CONTENT_TYPE, readFrames, writeIntermediate } from './frame-pipes.ts';
import { formatFrameRate, frameSeconds, parseFrameRate, rateValue } from './frame-rate.ts';

export interface ChunkFixture {
  readonly store: ObjectStore;
  readonly dir: string;
  /** The chunk's frames, overlap included (packed rgb24). */
  readonly frames: readonly Uint8Array[];
  readonly width: number;
  readonly height: number;
  readonly mediaId?: string;
  readonly rate?: string;
  readonly index?: number;
  readonly count?: number;
  readonly firstFrame?: number;
  readonly overlapFrames?: number;
  /** Frames of the whole video; this chunk's own frames by default. */
  readonly totalFrames?: number;
  readonly options?: Partial<EnhanceOptions>;
  readonly stage?: Stage;
  readonly isMonochrome?: boolean;
}

/** Stores the frames as a chunk of `stage` (preprocess by default) and returns the event announcing it. */
export async function storeChunk(f: ChunkFixture): Promise<VideoChunkEvent> {
  const mediaId = f.mediaId ?? randomUUID();
  const rate = parseFrameRate(f.rate ?? '25/1');
  const index = f.index ?? 0;
  const overlap = f.overlapFrames ?? 0;
  const own = f.frames.length - overlap;
  const path = join(f.dir, `${randomUUID()}.mkv`);
  await writeIntermediate(path, f.frames, f.width, f.height, rate);
  const key = chunkKey(mediaId, f.stage ?? 'preprocess', index);
  await upload(f.store, key, path, INTERMEDIATE_CONTENT_TYPE);
  const total = f.totalFrames ?? own;
  return parseEvent(Subjects.videoPreprocessed, {
    mediaId,
    options: f.options ?? {},
    at: new Date().toISOString(),
    originalKey: `media/${mediaId}/original.mp4`,
    width: f.width,
    height: f.height,
    frames: total,
    fps: rateValue(rate),
    frameRate: formatFrameRate(rate),
    durationSeconds: frameSeconds(total, rate),
    hasAudio: false,
    key,
    chunk: chunkInOutputOf(f.stage ?? 'preprocess', mediaId, describeChunk(index, f.count ?? 1, f.firstFrame ?? 0, own, rate, overlap)),
    isMonochrome: f.isMonochrome ?? true,
  });
}

/** Every frame of a stored chunk file. */
export async function loadChunkFrames(store: ObjectStore, key: string, width: number, height: number, dir: string): Promise<Uint8Array[]> {
  const path = join(dir, `${randomUUID()}.mkv`);
  await download(store, key, path);
  const frames: Uint8Array[] = [];
  for await (const frame of readFrames({ input: path, width, height })) frames.push(frame);
  return frames;
}
