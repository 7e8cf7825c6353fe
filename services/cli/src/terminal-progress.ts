import type { ProgressUpdate } from './media.ts';
import { formatEventLine, renderMedia } from './progress-view.ts';

/** Where `enhance` sends progress for one file. */
export interface ProgressSink {
  update(update: ProgressUpdate): void;
  /** Draws the last state for good; call once the item is done, whatever the outcome. */
  finish(): void;
}

const REDRAW_MS = 80;

/**
 * A block of lines redrawn in place on a TTY. Redraws are throttled: per-tile progress can
 * arrive far faster than a terminal is worth repainting, and only the latest state matters.
 */
export function createTtyProgress(stream: NodeJS.WriteStream, label: string): ProgressSink {
  let drawn = 0;
  let pending: ProgressUpdate | null = null;
  let timer: NodeJS.Timeout | null = null;

  const draw = () => {
    timer = null;
    if (!pending) return;
    const columns = stream.columns || 80;
    const barWidth = Math.min(30, Math.max(10, columns - 50));
    // Lines are cut to the width: a wrapped line would throw off the cursor-up count.
    const lines = renderMedia(pending.media, label, barWidth).map((l) => l.slice(0, columns - 1));
    pending = null;
    // Move to the first line of the previous block, rewrite each line, erase any leftovers.
    const up = drawn > 0 ? `\x1b[${drawn}F` : '';
    stream.write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join('')}\x1b[J`);
    drawn = lines.length;
  };

  return {
    update(update) {
      pending = update;
      timer ??= setTimeout(draw, REDRAW_MS);
    },
    finish() {
      if (timer) clearTimeout(timer);
      draw();
    },
  };
}

/** One line per event, for pipes and CI logs; repeats of the same line are dropped. */
export function createLineProgress(stream: NodeJS.WritableStream, label: string): ProgressSink {
  let last = '';
  return {
    update(update) {
      const line = formatEventLine(label, update);
      if (line === last) return;
      last = line;
      stream.write(`${line}\n`);
    },
    finish() {},
  };
}

/** For `--json`: progress is not shown at all. */
export const silentProgress: ProgressSink = { update() {}, finish() {} };
