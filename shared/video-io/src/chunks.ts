import type { Stage, VideoChunk } from '@revive/contracts';
import { frameSeconds, type FrameRate } from './frame-rate.ts';

/** Frames per chunk for a target length in seconds (at least one). */
export function framesPerChunk(rate: FrameRate, chunkSeconds: number): number {
  return Math.max(1, Math.round((chunkSeconds * rate.num) / rate.den));
}

/** A chunk's place in the video, its times computed from the exact rate. */
export function describeChunk(
  index: number,
  count: number,
  firstFrame: number,
  frames: number,
  rate: FrameRate,
  overlapFrames: number,
): VideoChunk {
  return {
    index,
    count,
    startSeconds: frameSeconds(firstFrame, rate),
    durationSeconds: frameSeconds(frames, rate),
    frames,
    firstFrame,
    overlapFrames,
  };
}

/**
 * Where a stage keeps chunk `index` of an item: one folder per stage, so each stage's output is
 * findable after a crash and never overwrites its input.
 */
export function chunkKey(mediaId: string, stage: Stage, index: number, extension = 'mkv'): string {
  return `media/${mediaId}/${stage}/chunk-${String(index).padStart(5, '0')}.${extension}`;
}

/** The chunk as `stage` hands it on: naming the previous chunk of the same output (see VideoChunk.previousKey). */
export function chunkInOutputOf(stage: Stage, mediaId: string, chunk: VideoChunk): VideoChunk {
  const { previousKey: _, ...rest } = chunk;
  return chunk.index === 0 ? rest : { ...rest, previousKey: chunkKey(mediaId, stage, chunk.index - 1) };
}
