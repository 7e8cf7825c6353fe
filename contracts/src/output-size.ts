import type { EnhanceOptions } from './events.ts';
import { FLOW, hopEmitting, STAGE_CATALOGUE, STAGE_NAMES } from './flow.ts';
import type { MediaKind, Stage, Subject } from './pipeline-names.ts';

/** The most a restoration may produce (config: REVIVE_MAX_IMAGE_PIXELS, REVIVE_MAX_VIDEO_PIXELS, REVIVE_MAX_VIDEO_TOTAL_PIXELS). */
export interface OutputLimits {
  readonly image: { readonly maxOutputPixels: number };
  readonly video: {
    /** Per output frame. */
    readonly maxOutputPixels: number;
    /** Over every output frame of the item: what the stages after super-resolution and interpolation write. */
    readonly maxTotalPixels: number;
  };
}

/** An item's size as some stage hands it on: its frame, and for a video how many frames. */
export interface MediaSize {
  readonly width: number;
  readonly height: number;
  /** Videos only. */
  readonly frames?: number;
}

/** A limit the restored item would break. */
export interface OutputSizeProblem {
  /** IMAGE_TOO_LARGE: the uploaded image alone is past the limit, whatever the scale. */
  readonly code: 'IMAGE_TOO_LARGE' | 'OUTPUT_TOO_LARGE' | 'VIDEO_TOO_LARGE';
  readonly message: string;
}

/** The stage that applies an option; the catalogue says which (scale: superres, frameRateFactor: interpolate). */
function stageOf(option: keyof EnhanceOptions): Stage | undefined {
  return STAGE_NAMES.find((s) => STAGE_CATALOGUE[s].option === option);
}

/** Whether the stage applying `option` has run by the time `after` has: later stages' inputs already carry its growth. */
function applied(kind: MediaKind, option: keyof EnhanceOptions, after: Stage | undefined): boolean {
  if (after === undefined) return false;
  const stages = FLOW[kind].map((h) => h.stage);
  const by = stageOf(option);
  return by !== undefined && stages.includes(by) && stages.indexOf(by) <= stages.indexOf(after);
}

/**
 * The restored item's size, from its size after stage `after` (undefined: the upload as it is)
 * and the options: super-resolution multiplies each side by `scale`, interpolation the frames by
 * `frameRateFactor`. The one place that says how big a result gets, for the gateway at upload
 * and for every stage on its input.
 */
export function restoredSize(
  kind: MediaKind,
  size: MediaSize,
  options: Pick<EnhanceOptions, 'scale' | 'frameRateFactor'>,
  after?: Stage,
): Required<MediaSize> {
  const scale = applied(kind, 'scale', after) ? 1 : options.scale;
  const frames = size.frames ?? 1;
  const rate = kind === 'video' && !applied(kind, 'frameRateFactor', after) ? options.frameRateFactor : 1;
  return { width: size.width * scale, height: size.height * scale, frames: frames * rate };
}

/** Every output limit (those of its kind) the restored item would break; empty when it is within them. */
export function outputSizeProblems<K extends MediaKind>(
  kind: K,
  size: MediaSize,
  options: Pick<EnhanceOptions, 'scale' | 'frameRateFactor'>,
  limits: OutputLimits[K],
  after?: Stage,
): OutputSizeProblem[] {
  const out = restoredSize(kind, size, options, after);
  const framePixels = out.width * out.height;
  const made = `${size.width}x${size.height} at scale ${options.scale} makes ${out.width}x${out.height} (${framePixels} pixels)`;
  if (kind === 'image') {
    const limit = limits.maxOutputPixels;
    const inputPixels = size.width * size.height;
    // A picture already past the limit as uploaded: no smaller scale helps, so say so.
    if (after === undefined && inputPixels > limit)
      return [{ code: 'IMAGE_TOO_LARGE', message: `${size.width}x${size.height} is ${inputPixels} pixels; the limit is ${limit} pixels` }];
    return framePixels > limit
      ? [{ code: 'OUTPUT_TOO_LARGE', message: `${made}; the limit is ${limit} pixels: choose a smaller scale` }]
      : [];
  }
  const video = limits as OutputLimits['video'];
  const problems: OutputSizeProblem[] = [];
  if (framePixels > video.maxOutputPixels) {
    problems.push({
      code: 'VIDEO_TOO_LARGE',
      message: `${made}; the limit is ${video.maxOutputPixels} pixels per frame: choose a smaller scale`,
    });
  }
  const total = framePixels * out.frames;
  if (total > video.maxTotalPixels) {
    problems.push({
      code: 'OUTPUT_TOO_LARGE',
      message: `${out.frames} output frames of ${out.width}x${out.height} make ${total} pixels; the limit is ${video.maxTotalPixels} pixels per video: choose a smaller scale or frame-rate factor, or a shorter video`,
    });
  }
  return problems;
}

/**
 * The first output limit the item an event describes would break, judged from the event alone;
 * undefined within the limits, and for events that carry no size (uploads: preprocess reads the
 * size from the content and checks it itself).
 */
export function outputSizeProblemOf(subject: Subject, payload: unknown, limits: OutputLimits): OutputSizeProblem | undefined {
  const hop = hopEmitting(subject);
  const event = payload as Partial<MediaSize> & { options?: Pick<EnhanceOptions, 'scale' | 'frameRateFactor'> };
  if (!hop || !event.options || typeof event.width !== 'number' || typeof event.height !== 'number') return undefined;
  const size = { width: event.width, height: event.height, frames: hop.kind === 'video' ? event.frames : undefined };
  return outputSizeProblems(hop.kind, size, event.options, limits[hop.kind], hop.stage)[0];
}
