import { Stages, Subjects, type VideoChunkEvent } from '@revive/contracts';
import { memoryRasterSink, memoryRasterSource } from '@revive/image-io';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import { runTiled, type ModelRuntime } from '@revive/model-runtime';
import type { ObjectStore } from '@revive/object-store';
import { reject, settlingErrors, type HandlerOf } from '@revive/stage-kit';
import { handOnChunk, inputRate, runChunkStage, videoFieldsOf } from '@revive/video-io';
import type { UpscaleFactor } from './handler.ts';

/** What scale 1 tells people (image and video alike). */
export const SIZE_KEPT = 'size kept';

export interface SuperresVideoDeps {
  readonly store: ObjectStore;
  readonly runtime: ModelRuntime;
  readonly log: Logger;
  readonly tileSize?: number;
  readonly tmpDir?: string;
  /** The model for each factor (the slim ones by default). */
  readonly models: Readonly<Record<UpscaleFactor, string>>;
  /** Why the model cannot serve this factor, or undefined when it can (shared with the image handler). */
  readonly modelProblem: (modelId: string, scale: UpscaleFactor) => Promise<string | undefined>;
}

type Colorized = VideoChunkEvent;

/**
 * Upscales one chunk of a video frame by frame: each decoded frame goes through the same tiled
 * super-resolution as a photo (bounded memory, seams blended) and straight into the encoder.
 * Scale 1 hands the chunk on as it is.
 */
export function createSuperresVideoHandler(deps: SuperresVideoDeps): HandlerOf<typeof Stages.superres, 'video'> {
  async function superresChunk(event: Colorized, ctx: HandlerContext): Promise<Outcome> {
    const scale = event.options.scale;
    if (scale === 1) {
      const payload = {
        ...videoFieldsOf(event),
        at: new Date().toISOString(),
        key: event.key,
        chunk: event.chunk,
        scale,
        skipped: SIZE_KEPT,
      };
      return handOnChunk(Subjects.videoSuperResolved, payload, Stages.superres);
    }
    const modelId = deps.models[scale];
    const problem = await deps.modelProblem(modelId, scale);
    if (problem) return reject('MODEL_UNAVAILABLE', `super-resolution model unavailable: ${problem}`);
    const model = await deps.runtime.load(modelId);
    const { width, height } = event;
    const [outW, outH] = [width * scale, height * scale];
    return runChunkStage(deps, event, ctx, {
      stage: Stages.superres,
      subject: Subjects.videoSuperResolved,
      width: outW,
      height: outH,
      rate: inputRate(event),
      frames: event.chunk.frames,
      async run(frames, write) {
        for await (const frame of frames) {
          const sink = memoryRasterSink(outW, outH, 3);
          await runTiled(model, memoryRasterSource(frame, width, height, 3), sink, {
            tileSize: deps.tileSize,
            signal: ctx.signal,
            onProgress: () => ctx.heartbeat(),
          });
          await write(sink.pixels);
        }
      },
      describe: (key) => ({
        ...videoFieldsOf(event),
        width: outW,
        height: outH,
        at: new Date().toISOString(),
        key,
        chunk: event.chunk,
        scale,
      }),
    });
  }

  return settlingErrors(deps.log, (event, ctx) => superresChunk(event, ctx));
}
