let flushers: Array<() => Promise<void>> = [];

/** Called by the SDK bootstrap: how to push out what is still buffered. */
export function onTelemetryFlush(flush: () => Promise<void>): void {
  flushers.push(flush);
}

/**
 * Exports buffered spans and metrics; services await it before `process.exit`, which would
 * otherwise drop the last spans of an item. Bounded so a dead collector cannot hold up a stop.
 */
export async function flushTelemetry(timeoutMs = 3000): Promise<void> {
  const pending = flushers;
  flushers = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.allSettled(pending.map((f) => f())), timeout]);
  clearTimeout(timer);
}
