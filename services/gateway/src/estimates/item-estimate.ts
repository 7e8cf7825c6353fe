import type { MediaRecord, StageState } from '../persistence/index.ts';
import { rateOf, workOf, type StageRateTable } from './stage-rates.ts';

/** The whole item's progress and time left, as Media.progress and Media.etaSeconds. */
export interface ItemEstimate {
  /** 0–100: the share of the item's expected time already behind it. */
  readonly progress: number;
  /** Seconds until the item is done; null when it is finished or its size is not known yet. */
  readonly etaSeconds: number | null;
}

/** Below this share done, a stage's own pace says little (model loading, the first tile); its expected time says more. */
const TRUST_PACE_FROM = 0.2;

/**
 * Weighs every stage by the time it is expected to take for this item (its rate times the
 * item's work), so a quick preprocess does not count as much as a long super-resolution, and
 * sums what is left: the running stage by its own pace once it has one, the stages after it
 * by their expected time.
 */
export function estimateItem(
  media: Pick<MediaRecord, 'kind' | 'options' | 'stages' | 'width' | 'height' | 'status'>,
  rates: StageRateTable,
  now: number,
): ItemEstimate {
  if (media.status === 'COMPLETED') return { progress: 100, etaSeconds: null };
  const work = workOf(media);
  // Progress needs only the stages' relative weights, so it holds before the size is known (work 1).
  const weights = media.stages.map((s) => rateOf(rates, media.kind, s.stage, media.options) * (work ?? 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const share = (i: number) => (total > 0 ? weights[i]! / total : 1 / media.stages.length);
  const progress = media.stages.reduce((sum, s, i) => sum + share(i) * doneShare(s), 0) * 100;
  const finished = media.status === 'FAILED' || media.status === 'CANCELLED';
  const etaSeconds =
    finished || work === undefined ? null : Math.round(media.stages.reduce((sum, s, i) => sum + secondsLeft(s, weights[i]!, now), 0));
  return { progress: Math.min(99.9, Math.round(progress * 10) / 10), etaSeconds };
}

/** How much of a stage is behind the item: all of a finished one, the reported share of a running one. */
function doneShare(s: StageState): number {
  if (s.status === 'DONE' || s.status === 'SKIPPED') return 1;
  if (s.status === 'PENDING') return 0;
  return Math.min(1, Math.max(0, (s.progress ?? 0) / 100));
}

function secondsLeft(s: StageState, expected: number, now: number): number {
  if (s.status === 'DONE' || s.status === 'SKIPPED') return 0;
  if (s.status !== 'RUNNING') return expected;
  // A video stage measures its own pace over the frames of every replica's chunks.
  if (s.etaSeconds != null) return s.etaSeconds;
  const done = doneShare(s);
  const elapsed = s.startedAt === null ? 0 : Math.max(0, (now - Date.parse(s.startedAt)) / 1000);
  if (done >= TRUST_PACE_FROM && elapsed > 0) return (elapsed * (1 - done)) / done;
  // Early on: the expected time left, and never less than what the expected total leaves after the time spent.
  return Math.max(expected * (1 - done), expected - elapsed);
}
