/** How often open streams' tokens are checked: a revoked or expired token's streams end within about this long. */
export const TOKEN_CHECK_INTERVAL_MS = 2_000;

/** Ends what a token holds open (graphql-ws sockets, SSE subscriptions) once it stops being valid. */
export interface TokenWatch {
  /** Calls `onEnd` once, soon after the token is revoked, expires or is deleted; returns the function that stops watching. */
  watch(tokenId: string, onEnd: () => void): () => void;
  /** Tokens watched now (for tests). */
  readonly size: number;
}

/**
 * A token is checked when a request or a socket starts, so a stream opened before its token
 * was revoked would otherwise run on. One query per interval asks which of the watched tokens
 * are still active, whatever the number of streams; the timer runs only while something is
 * watched, and covers revocation from any replica or the users CLI, and expiry, alike. A failed
 * check leaves the streams open and tries again at the next tick.
 */
export function createTokenWatch(options: {
  activeTokenIds: (tokenIds: readonly string[]) => Promise<Set<string>>;
  onError: (error: unknown) => void;
  intervalMs?: number;
}): TokenWatch {
  const intervalMs = options.intervalMs ?? TOKEN_CHECK_INTERVAL_MS;
  const watchers = new Map<string, Set<() => void>>();
  let timer: NodeJS.Timeout | undefined;
  let checking = false;

  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const active = await options.activeTokenIds([...watchers.keys()]);
      for (const [tokenId, ends] of watchers) {
        if (active.has(tokenId)) continue;
        watchers.delete(tokenId);
        for (const end of ends) end();
      }
    } catch (error) {
      options.onError(error);
    } finally {
      checking = false;
      if (watchers.size === 0) stopTimer();
    }
  };
  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };

  return {
    watch(tokenId, onEnd) {
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        onEnd();
      };
      const ends = watchers.get(tokenId) ?? new Set();
      ends.add(end);
      watchers.set(tokenId, ends);
      // A process with open streams and nothing else to do may still exit.
      timer ??= setInterval(() => void check(), intervalMs).unref();
      return () => {
        ended = true;
        ends.delete(end);
        if (ends.size === 0 && watchers.get(tokenId) === ends) watchers.delete(tokenId);
        if (watchers.size === 0) stopTimer();
      };
    },
    get size() {
      return watchers.size;
    },
  };
}
