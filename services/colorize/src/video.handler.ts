import { join } from 'node:path';
import { analyseColour, DEFAULT_COLORIZE_MODEL, describeColorization, type ColourAnalysis } from '@revive/colorizer';
import { Stages, Subjects, type VideoChunkEvent } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ModelRuntime } from '@revive/model-runtime';
import type { ObjectStore } from '@revive/object-store';
import { download, reject, settlingErrors, type HandlerOf } from '@revive/stage-kit';
import { handOnChunk, inputRate, rateValue, readFrames, runChunkStage, videoFieldsOf } from '@revive/video-io';
import { createFrameColorizer, type FrameColorizer } from './video-colorizer.ts';
import { skipReason } from './skip-reason.ts';

/** Frames of the previous chunk run through the smoothing before this chunk's first frame. */
export const PRIMING_FRAMES = 8;

export interface ColorizeVideoDeps {
  readonly store: ObjectStore;
  readonly runtime: ModelRuntime;
  readonly log: Logger;
  readonly modelId?: string;
  readonly tmpDir?: string;
  /** Why the model cannot be used, or undefined when it can (shared with the image handler). */
  readonly modelProblem: () => Promise<string | undefined>;
}

type Preprocessed = VideoChunkEvent;

/**
 * Colorizes one chunk of a video, frame by frame through ffmpeg pipes, with the temporally
 * stable colorizer (see createFrameColorizer). `off`, and `auto` on a video preprocess found
 * colourful, hand the chunk on untouched.
 */
export function createColorizeVideoHandler(deps: ColorizeVideoDeps): HandlerOf<typeof Stages.colorize, 'video'> {
  const modelId = deps.modelId ?? DEFAULT_COLORIZE_MODEL;

  async function colorizeChunk(event: Preprocessed, ctx: HandlerContext): Promise<Outcome> {
    const skipped = skipReason(event);
    if (skipped) {
      const payload = { ...videoFieldsOf(event), at: new Date().toISOString(), key: event.key, chunk: event.chunk, skipped };
      return handOnChunk(Subjects.videoColorized, payload, Stages.colorize);
    }
    const problem = await deps.modelProblem();
    if (problem) return reject('MODEL_UNAVAILABLE', `colorization model unavailable: ${problem}`);
    const model = await deps.runtime.load(modelId);
    const { width, height } = event;
    const colorizer = createFrameColorizer(model, width, height);
    // The chunk's first frame stands for its tone, as the thumbnail does for a photo: a toned
    // film keeps one tone throughout, and the summary only has to say which.
    let tone: ColourAnalysis | undefined;
    return runChunkStage(deps, event, ctx, {
      stage: Stages.colorize,
      subject: Subjects.videoColorized,
      width,
      height,
      rate: inputRate(event),
      frames: event.chunk.frames,
      async run(frames, write, dir) {
        await prime(colorizer, event, dir);
        for await (const frame of frames) {
          tone ??= analyseColour(frame, 3);
          await write(await colorizer.colorize(frame));
        }
      },
      describe: (key) => ({
        ...videoFieldsOf(event),
        at: new Date().toISOString(),
        key,
        chunk: event.chunk,
        ...(tone ? { summary: describeColorization(tone) } : {}),
      }),
    });
  }

  /** Runs the previous chunk's last frames through the smoothing, so colour does not jump at the cut. */
  async function prime(colorizer: FrameColorizer, event: Preprocessed, dir: string): Promise<void> {
    // The previous chunk of this stage's input, wherever the stage before put it; written by
    // another replica that may not have finished it yet, in which case the cut is not smoothed.
    const previous = event.chunk.previousKey;
    if (!previous || !(await deps.store.head(previous))) return;
    const path = join(dir, 'previous.mkv');
    await download(deps.store, previous, path);
    // Intra-only intermediate: seeking from the end is exact. The last frame read is the overlap (this chunk's first).
    const fromEndSeconds = (PRIMING_FRAMES + 1) / rateValue(inputRate(event));
    for await (const frame of readFrames({ input: path, width: event.width, height: event.height, fromEndSeconds }))
      await colorizer.prime(frame);
  }

  return settlingErrors(deps.log, (event, ctx) => colorizeChunk(event, ctx));
}
