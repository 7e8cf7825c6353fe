// Frame rates as exact fractions. 29.97 fps is 30000/1001; carried as a float and multiplied
// out over a long video it puts the picture tenths of a second off the audio, which is the
// defect users report most of interpolation tools. Every frame time here is index * den / num.

/** A frame rate num/den frames per second, reduced. */
export interface FrameRate {
  readonly num: number;
  readonly den: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function reduceRate(num: number, den: number): FrameRate {
  if (!(Number.isInteger(num) && Number.isInteger(den) && num > 0 && den > 0)) throw new RangeError(`not a frame rate: ${num}/${den}`);
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/** "30000/1001" (or "25") → a rate; throws on anything else. */
export function parseFrameRate(text: string): FrameRate {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a frame rate: "${text}"`);
  return reduceRate(Number(m[1]), Number(m[2] ?? 1));
}

/** The form events and ffmpeg's -r take. */
export function formatFrameRate(rate: FrameRate): string {
  return `${rate.num}/${rate.den}`;
}

export function rateValue(rate: FrameRate): number {
  return rate.num / rate.den;
}

export function multiplyRate(rate: FrameRate, factor: number): FrameRate {
  return reduceRate(rate.num * factor, rate.den);
}

/** When frame `index` is shown, in seconds from the video's start. */
export function frameSeconds(index: number, rate: FrameRate): number {
  return (index * rate.den) / rate.num;
}

/** Rates cameras and broadcasters use: a measured rate within 1 % of one of them is taken to be it. */
const STANDARD_RATES: readonly FrameRate[] = [
  '24000/1001',
  '24',
  '25',
  '30000/1001',
  '30',
  '48',
  '50',
  '60000/1001',
  '60',
  '100',
  '120',
].map(parseFrameRate);

function snap(value: number): FrameRate {
  const off = (r: FrameRate) => Math.abs(rateValue(r) - value) / value;
  const standard = STANDARD_RATES.filter((r) => off(r) < 0.01).sort((a, b) => off(a) - off(b))[0];
  return standard ?? reduceRate(Math.max(1, Math.round(value * 100)), 100);
}

/** What the container says about the stream's timing. */
export interface StreamTiming {
  /** ffprobe's r_frame_rate: the base rate; for variable-rate streams often the time base (90000/1). */
  readonly baseRate: string | undefined;
  readonly averageRate: string | undefined;
  /** Presentation times of the stream's frames in seconds, any order, when they were read. */
  readonly frameTimes?: readonly number[];
}

/** Frame intervals in seconds, sorted, without zero-length ones. */
function intervalsOf(times: readonly number[] | undefined): number[] {
  const sorted = [...(times ?? [])].sort((a, b) => a - b);
  return sorted
    .slice(1)
    .map((t, i) => t - sorted[i]!)
    .filter((d) => d > 1e-4)
    .sort((a, b) => a - b);
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

/**
 * Is the stream constant-rate? By its frame times when known (nearly all intervals within 6 %:
 * Matroska's millisecond clock alone makes 30 fps alternate 33 and 34 ms), else by its header
 * (base and average rate agree within 0.5 %). Headers alone mislead: a re-encoded phone clip can
 * announce a base rate that only its average matches.
 */
export function isConstantRate(timing: StreamTiming): boolean {
  const intervals = intervalsOf(timing.frameTimes);
  if (intervals.length >= 4) return quantile(intervals, 0.9) / quantile(intervals, 0.1) < 1.06;
  const base = tryParse(timing.baseRate);
  const avg = tryParse(timing.averageRate);
  return !!base && !!avg && rateValue(base) <= 240 && Math.abs(rateValue(base) - rateValue(avg)) / rateValue(avg) < 0.005;
}

/**
 * The constant rate a source is processed at. A constant-rate stream keeps its exact rate (the
 * header's base rate, or its measured rate snapped to a standard one). A variable-rate one
 * (phones slow down in low light) gets the rate of its fast passages, the 10th percentile of its
 * frame intervals, so resampling on timestamps repeats frames in slow passages instead of
 * dropping any, and every frame keeps its time.
 */
export function chooseConstantRate(timing: StreamTiming): FrameRate {
  const base = tryParse(timing.baseRate);
  const avg = tryParse(timing.averageRate);
  const intervals = intervalsOf(timing.frameTimes);
  const constant = isConstantRate(timing);
  if (intervals.length === 0) {
    if (constant) return base!;
    if (avg) return snap(rateValue(avg));
    throw new RangeError('the stream has neither a frame rate nor frame times');
  }
  // Constant: the mean of the typical intervals (a dropped frame, or a file cut short, leaves a gap that must not lower the rate).
  const typical = intervals.filter((d) => d >= quantile(intervals, 0.1) && d <= quantile(intervals, 0.9));
  const measured = constant ? typical.length / typical.reduce((s, d) => s + d, 0) : 1 / quantile(intervals, 0.1);
  // Jittery timestamps must not invent a rate far above what the stream averages.
  const bounded = Math.min(measured, avg ? Math.min(240, rateValue(avg) * 4) : 240);
  // ffprobe's base rate, when it is a real rate, is the exact form of the measured one.
  if (base && rateValue(base) <= 240 && Math.abs(rateValue(base) - bounded) / bounded < 0.01) return base;
  return snap(bounded);
}

function tryParse(text: string | undefined): FrameRate | undefined {
  try {
    const r = text ? parseFrameRate(text) : undefined;
    return r && r.num > 0 ? r : undefined;
  } catch {
    return undefined;
  }
}
