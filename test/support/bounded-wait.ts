/**
 * The one way an end-to-end test waits: every wait has a bound, and when it runs out the test
 * fails with what it waited for and the last state it saw, instead of hanging the run.
 */

/** The bound of a wait on an item when a test names none: generous for a shared, busy machine. */
export const DEFAULT_WAIT_MS = 180_000;

/** What a failed wait reports of an item: its status and each stage's, as the API gives them. */
export interface MediaStateLike {
  readonly status: string;
  readonly stages?: ReadonlyArray<{ readonly stage: string; readonly status: string }>;
}

/** `PROCESSING (preprocess COMPLETED, colorize RUNNING, …)`: an item's status and its stages'. */
export function describeMedia(media: MediaStateLike | null | undefined): string {
  if (!media) return 'no such item';
  const stages = media.stages?.map((s) => `${s.stage.toLowerCase()} ${s.status}`).join(', ');
  return stages ? `${media.status} (${stages})` : media.status;
}

/** A wait that ran out of time; the message names what was awaited and the last state seen. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

const timeoutMessage = (what: string, timeoutMs: number, lastSeen: string) =>
  `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${lastSeen}`;

/**
 * Settles as `work` does, or rejects with a WaitTimeoutError after `timeoutMs`, naming `what`
 * and what `lastSeen` says then. `onTimeout` lets the caller stop the work it abandons.
 */
export async function within<T>(
  work: Promise<T>,
  options: { what: string; timeoutMs: number; lastSeen: () => string | Promise<string>; onTimeout?: () => void },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      options.onTimeout?.();
      void Promise.resolve()
        .then(options.lastSeen)
        .catch((e: unknown) => `unreadable (${String(e)})`)
        .then((seen) => reject(new WaitTimeoutError(timeoutMessage(options.what, options.timeoutMs, seen))));
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a state every `intervalMs` until `done` holds of it and returns that state; on timeout
 * throws a WaitTimeoutError with `describe` of the last state read. A read that throws (a
 * restarting gateway refuses connections for a moment) is retried and reported as such.
 */
export async function pollUntil<S>(
  read: () => Promise<S>,
  done: (state: S) => boolean,
  options: { what: string; timeoutMs: number; describe: (state: S) => string | Promise<string>; intervalMs?: number },
): Promise<S> {
  const deadline = Date.now() + options.timeoutMs;
  let last: { state: S } | { error: unknown } | undefined;
  for (;;) {
    try {
      // A read that does not answer (a frozen gateway) is bounded too; the last one may overrun by a few seconds.
      const state = await within(read(), {
        what: options.what,
        timeoutMs: Math.max(5000, deadline - Date.now()),
        lastSeen: () => 'no answer',
      });
      if (done(state)) return state;
      last = { state };
    } catch (error) {
      // The last state read says more than a read that failed after it.
      if (!last || 'error' in last) last = { error };
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(options.intervalMs ?? 250, Math.max(0, deadline - Date.now()))));
  }
  const seen = !last ? 'nothing read' : 'error' in last ? `unreadable (${String(last.error)})` : await options.describe(last.state);
  throw new WaitTimeoutError(timeoutMessage(options.what, options.timeoutMs, seen));
}
