// The shape shared by the stages that transform a video chunk frame by frame (colorize,
// superres, interpolate): resume from a finished output, download, stream frames through
// ffmpeg pipes into the stage's own work, upload, hand the chunk on.
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import { messageId, parseEvent, type EventOf, type Stage, type Subject, type VideoChunkEvent } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import { download, inWorkDir, upload } from '@revive/stage-kit';
import { chunkInOutputOf, chunkKey } from './chunks.ts';
import { intermediateOutputArgs, INTERMEDIATE_CONTENT_TYPE, openFrameWriter, readFrames } from './frame-pipes.ts';
import { parseFrameRate, type FrameRate } from './frame-rate.ts';

/** Subjects whose events carry one chunk each: every video stage event but the published video. */
export type ChunkSubject = { [S in Subject]: EventOf<S> extends VideoChunkEvent ? S : never }[Subject];
export type ChunkEvent = VideoChunkEvent;

/** The event that hands one chunk on; its msgID names the chunk, so each chunk is deduplicated on its own. */
export function handOnChunk<S extends ChunkSubject>(subject: S, payload: EventOf<S>, stage: Stage): Outcome {
  const checked = parseEvent(subject, payload);
  return { kind: 'done', next: [{ subject, payload: checked, msgID: messageId(checked.mediaId, stage, checked.chunk.index) }] };
}

/** The whole-video fields every chunk event repeats, copied from the event a stage consumed. */
export function videoFieldsOf(event: ChunkEvent) {
  const { mediaId, options, originalKey, width, height, frames, fps, frameRate, durationSeconds, hasAudio, isMonochrome } = event;
  return { mediaId, options, originalKey, width, height, frames, fps, frameRate, durationSeconds, hasAudio, isMonochrome };
}

export interface ChunkStageDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  readonly tmpDir?: string;
  readonly ffmpegPath?: string;
}

/** What a stage does to the frames of one chunk. */
export interface ChunkTransform<S extends ChunkSubject> {
  readonly stage: Stage;
  readonly subject: S;
  /** Output frame size and rate. */
  readonly width: number;
  readonly height: number;
  readonly rate: FrameRate;
  /** Output frames that belong to the chunk (overlap frames excluded): the progress total. */
  readonly frames: number;
  /** Reads every input frame (overlap included) and writes the output frames, in order. */
  run(input: AsyncIterable<Uint8Array>, write: (frame: Uint8Array) => Promise<void>, dir: string): Promise<void>;
  /** The event announcing the written chunk. */
  describe(key: string, framesWritten: number): EventOf<S>;
}

/**
 * Runs a chunk transform. A chunk whose output and its event were recorded before (the stage
 * crashed after finishing, before the ack) is handed on again from that record, not redone.
 * Progress is reported in the stage's output frames, with a heartbeat for each frame.
 */
export async function runChunkStage<S extends ChunkSubject>(
  deps: ChunkStageDeps,
  event: ChunkEvent,
  ctx: HandlerContext,
  transform: ChunkTransform<S>,
): Promise<Outcome> {
  const { stage, subject } = transform;
  const key = chunkKey(event.mediaId, stage, event.chunk.index);
  const record = chunkKey(event.mediaId, stage, event.chunk.index, 'event.json');
  if (await deps.store.head(record)) {
    const previous = parseEvent(subject, JSON.parse((await buffer(await deps.store.get(record))).toString('utf8')));
    deps.log.info({ mediaId: event.mediaId, stage, chunk: event.chunk.index }, 'video chunk already done; handing it on again');
    return handOnChunk(subject, previous, stage);
  }
  return inWorkDir(deps.tmpDir, stage, async (dir) => {
    const input = join(dir, 'input.mkv');
    const output = join(dir, 'output.mkv');
    await download(deps.store, event.key, input);
    ctx.heartbeat();
    const writer = openFrameWriter({
      width: transform.width,
      height: transform.height,
      rate: transform.rate,
      args: intermediateOutputArgs(output),
      ffmpegPath: deps.ffmpegPath,
    });
    const frames = readFrames({ input, width: event.width, height: event.height, ffmpegPath: deps.ffmpegPath });
    const started = performance.now();
    try {
      await transform.run(
        frames,
        async (frame) => {
          ctx.signal.throwIfAborted();
          await writer.write(frame);
          ctx.progress(Math.min(writer.framesWritten, transform.frames), transform.frames, 'frames');
          ctx.heartbeat();
        },
        dir,
      );
      await writer.end();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await upload(deps.store, key, output, INTERMEDIATE_CONTENT_TYPE, ctx.signal);
    const described = transform.describe(key, writer.framesWritten);
    const payload = parseEvent(subject, { ...described, chunk: chunkInOutputOf(stage, event.mediaId, described.chunk) });
    ctx.signal.throwIfAborted();
    await deps.store.put(record, new TextEncoder().encode(JSON.stringify(payload)), { contentType: 'application/json' });
    const seconds = (performance.now() - started) / 1000;
    // pid: with several replicas the logs show which process did which chunk.
    deps.log.info(
      {
        mediaId: event.mediaId,
        stage,
        chunk: event.chunk.index,
        of: event.chunk.count,
        frames: writer.framesWritten,
        seconds: Number(seconds.toFixed(2)),
        pid: process.pid,
      },
      `video chunk ${stage} done`,
    );
    return handOnChunk(subject, payload, stage);
  });
}

/** The input's rate as a fraction (validated by the schema already). */
export function inputRate(event: ChunkEvent): FrameRate {
  return parseFrameRate(event.frameRate);
}
