import type { EnhanceOptions, Media, MediaKind, MediaStatus, StageState } from '../api/operations.ts';

// Pure wording and arithmetic of what the page shows, so it is testable without a browser.

const NBSP = '\u00a0';

/** `850 B`, `1.2 MB`: decimal units, as file managers show sizes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${Math.round(bytes)}${NBSP}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}${NBSP}${units[unit]}`;
}

/** How long a step took: `under 0.1 s`, `0.8 s`, `12 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 100) return `under 0.1${NBSP}s`;
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}${NBSP}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}${NBSP}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}${NBSP}min ${seconds % 60}${NBSP}s`;
  return `${Math.floor(minutes / 60)}${NBSP}h ${minutes % 60}${NBSP}min`;
}

/** Time left, rounded the way people say it: `a few seconds left`, `about 40 s left`, `about 3 min left`. */
export function formatEta(ms: number): string {
  if (ms < 10_000) return 'a few seconds left';
  if (ms < 60_000) return `about ${Math.ceil(ms / 5000) * 5}${NBSP}s left`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `about ${minutes}${NBSP}min left`;
  return `about ${Math.floor(minutes / 60)}${NBSP}h ${minutes % 60}${NBSP}min left`;
}

/** `45 %` (French-style spacing keeps the sign with its number). */
export function formatPercent(value: number): string {
  return `${Math.floor(clampPercent(value))}${NBSP}%`;
}

const STATUS_LABELS: Readonly<Record<MediaStatus, string>> = {
  QUEUED: 'Waiting',
  PROCESSING: 'Restoring',
  COMPLETED: 'Ready',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function statusLabel(status: MediaStatus): string {
  return STATUS_LABELS[status];
}

/** How far one stage is, 0–1: its done/total when it counts work, else its percent. */
export function stageFraction(stage: StageState): number {
  if (stage.status === 'DONE' || stage.status === 'SKIPPED') return 1;
  if (stage.total != null && stage.total > 0 && stage.done != null) return Math.min(1, Math.max(0, stage.done / stage.total));
  return clampPercent(stage.progress) / 100;
}

/**
 * The bar's value, 0–100: the server's progress (each stage weighted by its expected time), never
 * below `highestShown` (a re-estimate or a retry may report less, and a bar that slides back reads
 * as lost work), and under 100 until the server says COMPLETED.
 */
export function barValue(media: Pick<Media, 'status' | 'progress'>, highestShown: number): number {
  if (media.status === 'COMPLETED') return 100;
  return Math.min(99, Math.max(clampPercent(media.progress), clampPercent(highestShown)));
}

/** `12 of 40 tiles`, or null when the stage does not count its work. */
export function stageFigures(stage: StageState): string | null {
  if (stage.total == null || stage.total <= 0) return null;
  const unit = stage.unit ? ` ${stage.total === 1 ? singular(stage.unit) : stage.unit}` : '';
  return `${stage.done ?? 0} of ${stage.total}${unit}`;
}

function singular(unit: string): string {
  return unit.endsWith('s') ? unit.slice(0, -1) : unit;
}

/**
 * The line under the bar while an item runs: `Enlarging · 12 of 40 tiles · 45 s so far · about 2 min left`,
 * the time left being the whole item's (the server's estimate), not the current step's.
 */
export function runningLine(media: Pick<Media, 'status' | 'stages'>, elapsedMs: number | null, etaMs: number | null): string {
  const running = media.stages.find((s) => s.status === 'RUNNING');
  // Between two stages: one has published its output, the next has not picked it up yet.
  const parts = [media.status === 'QUEUED' ? 'Waiting for its turn…' : running ? running.activity : 'Waiting for the next step…'];
  const figures = media.status !== 'QUEUED' && running && stageFigures(running);
  if (figures) parts.push(figures);
  if (elapsedMs != null && elapsedMs >= 1000) parts.push(`${formatDuration(elapsedMs)} so far`);
  if (etaMs != null) parts.push(formatEta(etaMs));
  return parts.join(' · ');
}

/**
 * What a step says beside its name: `done in 1.2 s`, `done in 1.2 s · repaired 2.3 % of the picture`
 * (what the stage said it did), `skipped: already in colour`, `failed`.
 */
export function stageOutcome(stage: StageState): string {
  switch (stage.status) {
    case 'DONE': {
      const done = stage.durationMs != null ? `done in ${formatDuration(stage.durationMs)}` : 'done';
      return stage.note ? `${done} · ${stage.note}` : done;
    }
    case 'SKIPPED':
      return stage.note ? `skipped: ${stage.note}` : 'skipped';
    case 'RUNNING':
      return `in progress, ${formatPercent(stageFraction(stage) * 100)}`;
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'stopped';
    default:
      return 'not started';
  }
}

const COLORIZE_WORDS: Readonly<Record<EnhanceOptions['colorize'], string>> = {
  AUTO: 'colour if black & white',
  ON: 'always colour',
  OFF: 'no colour',
};

const REPAIR_WORDS: Readonly<Record<EnhanceOptions['repair'], string>> = {
  AUTO: 'repair if damaged',
  ON: 'always repair',
  OFF: 'no repair',
};

/** `Photo · enlarge 2× · colour if black & white · repair if damaged` (+ `· motion 2×` for videos). */
export function optionsSummary(kind: MediaKind | null, options: Media['options']): string {
  const parts = [
    kind === 'VIDEO' ? 'Video' : kind === 'IMAGE' ? 'Photo' : null,
    `enlarge ${options.scale}×`,
    COLORIZE_WORDS[options.colorize],
    REPAIR_WORDS[options.repair],
  ];
  if (kind !== 'IMAGE') parts.push(`motion ${options.frameRateFactor}×`);
  return parts.filter(Boolean).join(' · ');
}

/** The download's name: `bridge.jpg` → `bridge.revive.png`, taking the extension from the result's URL. */
export function resultFilename(filename: string, resultUrl: string, kind: MediaKind): string {
  const stem = filename.replace(/\.[^./\\]+$/, '') || 'result';
  let ext: string | undefined;
  try {
    ext = /\.([a-z0-9]{2,5})$/i.exec(new URL(resultUrl, 'http://x').pathname)?.[1]?.toLowerCase();
  } catch {
    ext = undefined;
  }
  return `${stem}.revive.${ext ?? (kind === 'VIDEO' ? 'mp4' : 'png')}`;
}

/** `12 Mar 2024 · 320 × 240 px · 1.2 MB`: when an item was added and, once restored, how large the result is. */
export function finishedSummary(
  media: Pick<Media, 'createdAt' | 'status' | 'width' | 'height'> & Partial<Pick<Media, 'resultSize'>>,
  locale?: string,
): string {
  const parts: string[] = [];
  const added = new Date(media.createdAt);
  if (!Number.isNaN(added.getTime())) {
    parts.push(added.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' }));
  }
  if (media.status !== 'COMPLETED') return parts.join(' · ');
  const width = media.resultSize?.width ?? media.width;
  const height = media.resultSize?.height ?? media.height;
  if (width && height) parts.push(`${width}${NBSP}×${NBSP}${height}${NBSP}px`);
  if (media.resultSize) parts.push(formatBytes(media.resultSize.bytes));
  return parts.join(' · ');
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}
