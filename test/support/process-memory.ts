import { readFile, writeFile } from 'node:fs/promises';

/** Resident memory of one process over a stretch of work, from Linux's /proc. */
export interface PeakRss {
  /** Resident bytes right before the work. */
  readonly baselineBytes: number;
  /** Most resident bytes during the work. */
  readonly peakBytes: number;
  /** How the peak was read: the kernel's own high-water mark (reset before the work), or sampling alone. */
  readonly method: 'VmHWM after clear_refs' | 'VmRSS sampled';
  /** Samples of VmRSS taken. */
  readonly samples: number;
}

async function status(pid: number): Promise<{ rss: number; hwm: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * Runs `work` and reports the peak resident memory of process `pid` meanwhile. Writing 5 to
 * /proc/<pid>/clear_refs resets the kernel's high-water mark (VmHWM) to the current RSS, so the
 * mark after the work is the exact peak during it; where that is not allowed, VmRSS is sampled
 * every `everyMs` instead (a peak shorter than that can be missed). Both are taken when possible
 * and the larger reported.
 */
export async function measurePeakRss<T>(pid: number, work: () => Promise<T>, everyMs = 20): Promise<{ result: T; memory: PeakRss }> {
  const reset = await writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
  const baseline = await status(pid);
  let sampledPeak = baseline.rss;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampledPeak = Math.max(sampledPeak, (await status(pid)).rss);
      samples += 1;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    const result = await work();
    return {
      result,
      memory: {
        baselineBytes: baseline.rss,
        peakBytes: Math.max(sampledPeak, reset ? (await status(pid)).hwm : 0),
        method: reset ? 'VmHWM after clear_refs' : 'VmRSS sampled',
        samples,
      },
    };
  } finally {
    sampling = false;
    await sampler;
  }
}
