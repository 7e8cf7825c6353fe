/** One observation of a task's progress. */
export interface EtaSample {
  /** Milliseconds (any clock, as long as it is the same for every sample). */
  at: number;
  /** 0–1. */
  fraction: number;
}

/**
 * Time left from the rate between the oldest and newest samples. Null until the samples span
 * `minSpanMs` and show progress: a guess from one tile is noise (the first one includes model loading).
 */
export function estimateRemainingMs(samples: readonly EtaSample[], minSpanMs = 1500): number | null {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.fraction >= 1) return last && last.fraction >= 1 ? 0 : null;
  const span = last.at - first.at;
  const gained = last.fraction - first.fraction;
  if (span < minSpanMs || gained <= 0) return null;
  return ((1 - last.fraction) * span) / gained;
}

/**
 * Follows one task at a time (an upload, then each stage): samples reset when the key changes or
 * progress goes backwards, and only the last `windowMs` count, so a changed pace shows soon.
 */
export function createEtaTracker(options: { windowMs?: number; minSpanMs?: number } = {}) {
  const windowMs = options.windowMs ?? 30_000;
  let key: string | null = null;
  let samples: EtaSample[] = [];
  return {
    observe(taskKey: string, fraction: number, at: number): number | null {
      const previous = samples.at(-1);
      if (taskKey !== key || (previous && fraction < previous.fraction)) {
        key = taskKey;
        samples = [];
      }
      // Repeats of the same figure add nothing; the first sample at that figure dates it.
      if (samples.at(-1)?.fraction !== fraction) samples.push({ at, fraction });
      // Old samples go, but two always stay so there is a span to measure.
      while (samples.length > 2 && samples[0]!.at < at - windowMs) samples.shift();
      return estimateRemainingMs(samples, options.minSpanMs);
    },
    reset(): void {
      key = null;
      samples = [];
    },
  };
}
