// For handler specs: what the consumer loop hands a handler, with what the handler reported kept.
import type { Stage, StageProgress } from '@revive/contracts';
import type { HandlerContext } from '@revive/messaging';

/** A handler context whose progress reports (`seen`) and heartbeats (`beats`) a spec can read. */
export interface RecordingContext extends HandlerContext {
  readonly seen: [done: number, total: number, unit: StageProgress['unit']][];
  readonly beats: number;
}

/** A first delivery to `stage`; `signal` stands for the item's cancel (never aborted unless given). */
export function recordingContext(stage: Stage, signal: AbortSignal = new AbortController().signal): RecordingContext {
  const seen: RecordingContext['seen'] = [];
  let beats = 0;
  return {
    stage,
    attempt: 1,
    signal,
    seen,
    get beats() {
      return beats;
    },
    heartbeat: () => void beats++,
    progress: (done, total, unit) => void seen.push([done, total, unit]),
  };
}
