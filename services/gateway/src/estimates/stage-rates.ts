import { stageDefinition, type EnhanceOptions, type MediaKind, type Stage } from '@revive/contracts';
import type { StageHistoryItem, StageState } from '../persistence/index.ts';

/**
 * How much work an item is, in the unit stage times scale with: megapixels of the upload for a
 * picture, megapixels times frames for a video (every stage touches every pixel of every frame).
 * Undefined until preprocess has measured the item.
 */
export function workOf(item: Pick<StageHistoryItem, 'kind' | 'width' | 'height' | 'stages'>): number | undefined {
  if (item.width === null || item.height === null) return undefined;
  const megapixels = (item.width * item.height) / 1e6;
  if (item.kind === 'image') return megapixels;
  // The first stage counts the video's frames as it cuts it (see the projection's sourceFrames).
  const frames = item.stages[0]?.status === 'DONE' ? item.stages[0].total : null;
  return frames ? megapixels * frames : undefined;
}

/** A stage's rates differ by the option that decides its work (scale 4 is 4x scale 2's pixels): one rate per value. */
export function rateKey(kind: MediaKind, stage: Stage, options: EnhanceOptions): string {
  const option = stageDefinition(stage).option;
  return `${kind}/${stage}/${option === null ? '-' : String(options[option])}`;
}

/** Seconds per unit of work ({@link workOf}) by rate key, from this server's history. */
export type StageRateTable = ReadonlyMap<string, number>;

/** Samples per rate key: recent enough to follow a new model or machine, enough to smooth one odd item. */
const SAMPLES_PER_KEY = 20;

/**
 * Per-stage rates from completed items, newest first: each key's rate is the summed seconds of
 * its latest samples over their summed work (a large item weighs in by its size, not as one vote).
 * A stage that handed the item on without reporting progress took no time worth counting.
 */
export function ratesFromHistory(items: readonly StageHistoryItem[]): StageRateTable {
  const sums = new Map<string, { seconds: number; work: number; n: number }>();
  for (const item of items) {
    const work = workOf(item);
    if (!work) continue;
    for (const s of item.stages) {
      const seconds = secondsOf(s);
      if (seconds === undefined) continue;
      const key = rateKey(item.kind, s.stage, item.options);
      const sum = sums.get(key) ?? { seconds: 0, work: 0, n: 0 };
      if (sum.n >= SAMPLES_PER_KEY) continue;
      sums.set(key, { seconds: sum.seconds + seconds, work: sum.work + work, n: sum.n + 1 });
    }
  }
  return new Map([...sums].map(([key, s]) => [key, s.seconds / s.work]));
}

function secondsOf(s: StageState): number | undefined {
  if (s.status === 'SKIPPED') return (s.durationMs ?? 0) / 1000;
  if (s.status === 'DONE' && s.durationMs !== null) return s.durationMs / 1000;
  return undefined;
}

/**
 * Before this server has finished an item of a kind with these options: rough seconds per unit
 * on a small CPU-only install (the e2e stacks' logs), so a first item still gets an ETA of the
 * right order and a progress bar weighted the right way. Options that skip a stage weigh nothing.
 */
export function priorRate(kind: MediaKind, stage: Stage, options: EnhanceOptions): number {
  const area = options.scale * options.scale;
  if (kind === 'image') {
    switch (stage) {
      case 'preprocess':
        return 0.3;
      case 'repair':
        return options.repair === 'off' ? 0 : 2;
      case 'colorize':
        return options.colorize === 'off' ? 0 : 1.5;
      case 'superres':
        return options.scale === 1 ? 0 : 3 * area;
      default:
        return 0.3 * area;
    }
  }
  switch (stage) {
    case 'preprocess':
      return 0.02;
    case 'repair':
      return options.repair === 'off' ? 0 : 0.1;
    case 'colorize':
      return options.colorize === 'off' ? 0 : 0.1;
    case 'superres':
      return options.scale === 1 ? 0 : 0.2 * area;
    case 'interpolate':
      return 0.1 * area * (options.frameRateFactor - 1);
    default:
      return 0.03 * area * options.frameRateFactor;
  }
}

/** The rate the estimate uses: this server's history when it has one for the key, else the prior. */
export function rateOf(table: StageRateTable, kind: MediaKind, stage: Stage, options: EnhanceOptions): number {
  return table.get(rateKey(kind, stage, options)) ?? priorRate(kind, stage, options);
}
