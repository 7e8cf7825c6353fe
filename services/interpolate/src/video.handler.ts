import { Stages, Subjects, type VideoChunkEvent } from '@revive/contracts';
import { createDefaultInterpolator, interpolateFrame, type FrameInterpolator } from '@revive/frame-interpolator';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import { settlingErrors, type HandlerOf } from '@revive/stage-kit';
import {
  describeChunk,
  filterFrames,
  formatFrameRate,
  handOnChunk,
  inputRate,
  multiplyRate,
  outputRange,
  planOutputFrames,
  rateValue,
  runChunkStage,
  videoFieldsOf,
} from '@revive/video-io';

export interface InterpolateVideoDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  readonly tmpDir?: string;
  /** The frame-interpolation engine; the default engine (see createDefaultInterpolator) unless a test or an operator says otherwise. */
  readonly engine?: FrameInterpolator;
}

type SuperResolved = VideoChunkEvent;

/**
 * Raises a chunk's frame rate by `options.frameRateFactor`. Each output frame is placed by its
 * timestamp on the exact output grid (planOutputFrames) and synthesised between the two input
 * frames around it; across a scene cut the nearer frame is held instead of blended. The chunk's
 * overlap frame (the next chunk's first) is what the frames after its last own frame move
 * towards, and is then dropped. Factor 1 hands the chunk on as it is.
 */
export function createInterpolateVideoHandler(deps: InterpolateVideoDeps): HandlerOf<typeof Stages.interpolate, 'video'> {
  const engine = deps.engine ?? createDefaultInterpolator();

  async function interpolateChunk(event: SuperResolved, ctx: HandlerContext): Promise<Outcome> {
    const factor = event.options.frameRateFactor;
    if (factor === 1) {
      const payload = { ...videoFieldsOf(event), at: new Date().toISOString(), key: event.key, chunk: event.chunk, skipped: 'motion kept' };
      return handOnChunk(Subjects.videoInterpolated, payload, Stages.interpolate);
    }
    const { width, height, chunk } = event;
    const inRate = inputRate(event);
    const outRate = multiplyRate(inRate, factor);
    const plan = planOutputFrames(chunk.firstFrame, chunk.frames, inRate, outRate, event.frames - 1);
    const range = outputRange(chunk.firstFrame, chunk.frames, inRate, outRate);
    const whole = outputRange(0, event.frames, inRate, outRate);
    let held = 0;
    return runChunkStage(deps, event, ctx, {
      stage: Stages.interpolate,
      subject: Subjects.videoInterpolated,
      width,
      height,
      rate: outRate,
      frames: range.count,
      async run(frames, write) {
        // The filter's grid starts at the chunk's first frame: exact when the chunk's output starts there too.
        if (engine.sequenceFilter && range.first === chunk.firstFrame * factor) {
          // One ffmpeg for the chunk. The filter withholds the frames of its last interval for
          // look-ahead, so the last input is repeated: past the overlap frame (the next chunk's
          // first) when there is one, or held at the video's end as the pair plan holds it.
          const filtered = filterFrames({
            frames: padWithLast(frames, 3 - chunk.overlapFrames),
            width,
            height,
            rate: inRate,
            filter: engine.sequenceFilter(formatFrameRate(outRate)),
            outputFrames: range.count,
          });
          for await (const frame of filtered) await write(frame);
          return;
        }
        const source = frames[Symbol.asyncIterator]();
        // Two input frames at a time: the pair the current output frames lie between.
        const window = new Map<number, Uint8Array>();
        let next = chunk.firstFrame;
        const frameAt = async (index: number): Promise<Uint8Array> => {
          while (next <= index) {
            const r = await source.next();
            if (r.done)
              throw new Error(
                `chunk ${chunk.index} ended at frame ${next}, frame ${index} was needed (overlap frames: ${chunk.overlapFrames})`,
              );
            window.set(next, r.value);
            window.delete(next - 2);
            next++;
          }
          return window.get(index)!;
        };
        try {
          for (const p of plan) {
            const a = await frameAt(p.a);
            if (p.t === 0) {
              await write(a);
              continue;
            }
            const result = await interpolateFrame(engine, { width, height, data: a }, { width, height, data: await frameAt(p.b) }, p.t);
            if (result.how === 'held') held++;
            await write(result.frame.data);
          }
        } finally {
          await source.return?.(undefined);
        }
      },
      describe: (key, written) => {
        if (written !== range.count) throw new Error(`chunk ${chunk.index}: wrote ${written} frames, planned ${range.count}`);
        deps.log.debug({ mediaId: event.mediaId, chunk: chunk.index, frames: written, held, engine: engine.name }, 'chunk interpolated');
        return {
          ...videoFieldsOf(event),
          at: new Date().toISOString(),
          frames: whole.count,
          fps: rateValue(outRate),
          frameRate: formatFrameRate(outRate),
          key,
          chunk: describeChunk(chunk.index, chunk.count, range.first, range.count, outRate, 0),
        };
      },
    });
  }

  return settlingErrors(deps.log, (event, ctx) => interpolateChunk(event, ctx));
}

/** The frames, then the last one `times` more. */
async function* padWithLast(frames: AsyncIterable<Uint8Array>, times: number): AsyncGenerator<Uint8Array> {
  let last: Uint8Array | undefined;
  for await (const frame of frames) yield (last = frame);
  if (last) for (let i = 0; i < times; i++) yield last;
}
