import { rm } from 'node:fs/promises';
import { ModelTask } from '@revive/contracts';
import { createPngSink, memoryRasterSink, memoryRasterSource, openImageFile } from '@revive/image-io';
import { ModelNotFoundError, ModelRejectedError, observeInference, type ModelRuntime } from '@revive/model-runtime';
import type { DamageFiller } from './damage-fill.ts';
import { detectionScaleFor, FRAME_THRESHOLDS, repairRaster, type DamageThresholds } from './damage-repair.ts';
import { assertRegionVerifier } from './damage-verifier.ts';

/** The damage detector the stage runs: v1 fine-tuned three times on the fine real detail it took for damage. */
export const DEFAULT_REPAIR_DETECTOR = 'revive-repair-detect-v6';
/** The detector the chain of fine-tunes starts from; the eval scores it beside the stage's in the same run. */
export const BASE_REPAIR_DETECTOR = 'revive-repair-detect-v1';
/** Weighs each region the detector marks: how much of its fill it takes, none where the fill would not help. */
export const DEFAULT_REPAIR_VERIFIER = 'revive-repair-verify-v4';
/**
 * The stage's engine before verify-v4: the same detector with a verifier that could only fill a
 * region whole or leave it. The eval scores it beside the stage's in the same run.
 */
export const PREVIOUS_REPAIR_ENGINE = { detector: 'revive-repair-detect-v6', verifier: 'revive-repair-verify-v3' } as const;
/**
 * v6 fine-tuned on craquelure too (v5 was the same step from v4), with its own weighing verifier:
 * the eval scores it beside the stage's in the same run until it beats it on every count.
 */
export const CANDIDATE_REPAIR_ENGINE = { detector: 'revive-repair-detect-v7', verifier: 'revive-repair-verify-v5' } as const;
/** The learned inpainter, compared with Telea's fill by `npm run eval -- repair`. */
export const REPAIR_FILL_MODEL = 'revive-repair-fill-v1';

/** The fills the engine offers; the eval scores each. */
export type RepairFill = 'telea' | 'learned';
/** The fill the stage uses: the eval's winner (see the repair section of the README for the figures). */
export const DEFAULT_REPAIR_FILL: RepairFill = 'telea';
/** Telea's neighbourhood radius: the crack widths of old prints are 1–4 px; 5 px of context each side fills them. */
const TELEA_RADIUS = 5;

/**
 * `auto` hands a print on untouched unless at least this share of it is damage: a few stray
 * detector pixels on a clean photo are not worth changing it for.
 */
export const AUTO_MIN_DAMAGED_FRACTION = 0.0005;

export type RepairMode = 'auto' | 'on';

export interface ImageRepairRequest {
  readonly inputPath: string;
  /** Written as PNG when the print is repaired; absent otherwise. */
  readonly outputPath: string;
  readonly mode: RepairMode;
  readonly maxInputPixels: number;
  readonly tmpDir?: string;
  readonly fill?: RepairFill;
  /** The detector's model id; the stage's default otherwise (the eval compares others). */
  readonly detector?: string;
  /** The verifier's model id, the stage's default when absent; null fills every marked region (the eval's comparison). */
  readonly verifier?: string | null;
  readonly thresholds?: DamageThresholds;
  readonly onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Receives the mask band by band: how much of each pixel's fill was taken (255 whole, 0 none), for the eval's `--masks`. */
  readonly onMask?: (rows: Uint8Array, y0: number, count: number) => void;
}

export interface ImageRepairResult {
  readonly repaired: boolean;
  /** Share of the picture's pixels that were filled, 0–1. */
  readonly damagedFraction: number;
  readonly width: number;
  readonly height: number;
}

/** "repaired 2.3 % of the picture": what the stage tells people it did. */
export function describeRepair(damagedFraction: number): string {
  const percent = damagedFraction * 100;
  return `repaired ${percent >= 0.1 ? percent.toFixed(1) : percent.toPrecision(1)} % of the picture`;
}

/** Why the stage cannot repair (a model missing or of the wrong kind), or undefined when it can. */
export async function repairModelProblem(runtime: ModelRuntime, fill: RepairFill = DEFAULT_REPAIR_FILL): Promise<string | undefined> {
  const needed: Array<[string, string]> = [
    [DEFAULT_REPAIR_DETECTOR, ModelTask.repairDetect],
    [DEFAULT_REPAIR_VERIFIER, ModelTask.repairVerify],
  ];
  if (fill === 'learned') needed.push([REPAIR_FILL_MODEL, ModelTask.repairFill]);
  for (const [id, task] of needed) {
    try {
      const model = await runtime.load(id);
      if (model.manifest.task !== task) return `model ${id} is a ${model.manifest.task} model, not a ${task} model`;
      if (task === ModelTask.repairVerify) assertRegionVerifier(model);
    } catch (error) {
      if (error instanceof ModelNotFoundError || error instanceof ModelRejectedError) return error.message;
      throw error;
    }
  }
  return undefined;
}

async function verifierFor(runtime: ModelRuntime, id: string | null | undefined) {
  if (id === null) return undefined;
  const verifier = await runtime.load(id ?? DEFAULT_REPAIR_VERIFIER);
  assertRegionVerifier(verifier);
  return verifier;
}

/** The filler the engine uses for `fill`. */
export async function fillerFor(runtime: ModelRuntime, fill: RepairFill): Promise<DamageFiller> {
  return fill === 'telea' ? { kind: 'telea', radius: TELEA_RADIUS } : { kind: 'learned', model: await runtime.load(REPAIR_FILL_MODEL) };
}

/** Repairs an image file of any size into a PNG, band by band with bounded memory. */
export async function repairImageFile(runtime: ModelRuntime, request: ImageRepairRequest): Promise<ImageRepairResult> {
  const detector = await runtime.load(request.detector ?? DEFAULT_REPAIR_DETECTOR);
  const filler = await fillerFor(runtime, request.fill ?? DEFAULT_REPAIR_FILL);
  const verifier = await verifierFor(runtime, request.verifier);
  const source = await openImageFile(request.inputPath, { maxPixels: request.maxInputPixels, tmpDir: request.tmpDir });
  try {
    const { width, height } = source;
    const result = await observeInference(detector.manifest, { inputPixels: width * height }, async () => {
      const sink = await createPngSink(request.outputPath, width, height, source.channels);
      return repairRaster(source, sink, {
        detector,
        filler,
        verifier,
        thresholds: request.thresholds,
        onProgress: request.onProgress,
        onMask: request.onMask,
      });
    });
    const damagedFraction = result.filled / (width * height);
    const repaired = request.mode === 'on' ? result.filled > 0 : damagedFraction >= AUTO_MIN_DAMAGED_FRACTION;
    if (!repaired) await rm(request.outputPath, { force: true });
    return { repaired, damagedFraction, width, height };
  } finally {
    await source.close();
  }
}

/** Repairs the frames of one video, in order. */
export interface FrameRepairer {
  /** A packed RGB24 frame in, the repaired frame out (a new buffer) with the share of it filled. */
  repair(frame: Uint8Array): Promise<{ readonly pixels: Uint8Array; readonly damagedFraction: number }>;
}

/**
 * Frame by frame, with one memory: a pixel that was damage in the previous frame stays damage
 * at a lower detector probability. A line scratch running down a reel is then filled the same
 * way in every frame instead of flickering in and out where the detector hesitates; dust and
 * film scratches that jump from frame to frame are found afresh in each.
 */
export async function createFrameRepairer(
  runtime: ModelRuntime,
  options: {
    readonly mode: RepairMode;
    readonly width: number;
    readonly height: number;
    readonly fill?: RepairFill;
    /**
     * Frames are not verified unless a verifier is named: it learned on photos, and on film
     * (`npm run eval -- repair-video`) it turned down dust and, frame by frame, parts of a line
     * scratch: 36.9 → 33.4 dB against the clean clip, flicker on the scratch 4.7 → 13.0 levels.
     */
    readonly verifier?: string;
  },
): Promise<FrameRepairer> {
  const detector = await runtime.load(DEFAULT_REPAIR_DETECTOR);
  const filler = await fillerFor(runtime, options.fill ?? DEFAULT_REPAIR_FILL);
  const verifier = options.verifier === undefined ? undefined : await verifierFor(runtime, options.verifier);
  const { width, height } = options;
  const detectionScale = detectionScaleFor(width, height);
  let previousMask: Uint8Array | undefined;
  return {
    async repair(frame) {
      if (frame.length !== width * height * 3) throw new RangeError(`frame of ${frame.length} bytes is not ${width}x${height} RGB`);
      const sink = memoryRasterSink(width, height, 3);
      const mask = new Uint8Array(width * height);
      const { filled } = await repairRaster(memoryRasterSource(frame, width, height, 3), sink, {
        detector,
        filler,
        verifier,
        thresholds: FRAME_THRESHOLDS,
        detectionScale,
        previousMask,
        onMask: (rows, y0) => mask.set(rows, y0 * width),
      });
      previousMask = mask;
      const damagedFraction = filled / (width * height);
      // `auto` leaves a frame alone when almost nothing was found, exactly like a photo.
      if (options.mode === 'auto' && damagedFraction < AUTO_MIN_DAMAGED_FRACTION) return { pixels: frame.slice(), damagedFraction: 0 };
      return { pixels: sink.pixels, damagedFraction };
    },
  };
}
