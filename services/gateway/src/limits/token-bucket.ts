/** The answer to "may this principal spend one more token now?". */
export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/**
 * Token buckets keyed by principal: each holds up to `perMinute` tokens and refills at
 * `perMinute` a minute, so a client may burst to the limit and then goes at the steady rate.
 * Full buckets are forgotten, which bounds memory by the principals active in the last minute.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMs: number;
  #lastSweep = 0;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#perMs = perMinute / 60_000;
  }

  take(key: string): TakeResult {
    const now = this.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = this.#level(bucket, now);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return this.#refusal(bucket.tokens);
  }

  /** What `take` would answer now, spending nothing: for a limit charged only when a request turns out to deserve it. */
  peek(key: string): TakeResult {
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? this.#level(bucket, this.now()) : this.perMinute;
    return tokens >= 1 ? { ok: true } : this.#refusal(tokens);
  }

  #level(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.#perMs);
  }

  #refusal(tokens: number): TakeResult {
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000)) };
  }

  /** Principals currently tracked (for tests). */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [key, b] of this.#buckets) if (b.tokens + (now - b.at) * this.#perMs >= this.perMinute) this.#buckets.delete(key);
  }
}
