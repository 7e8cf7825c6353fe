import { isTerminal, type Media, type ProgressUpdate, type StageState } from './media.ts';

// Pure text rendering of an item's state: the live TTY view and the plain log both come from
// here, so what they show is testable without a terminal.

const NAME_WIDTH = 'INTERPOLATE'.length;

/** `850ms`, `12.3s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
}

/** `[████░░░░]` for a 0–100 progress value. */
export function renderBar(progress: number, width: number): string {
  const filled = Math.round((clampPercent(progress) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** One line per stage: name, bar, percent (or state), done/total unit, duration once finished, what the stage said. */
export function renderStageLine(stage: StageState, barWidth: number): string {
  const progress = stage.status === 'DONE' ? 100 : stage.progress;
  return [
    stage.stage.padEnd(NAME_WIDTH),
    renderBar(progress, barWidth),
    stageState(stage).padStart(4),
    ...stageFigures(stage),
    ...stageNote(stage),
  ].join('  ');
}

/** The block the live view redraws: a header naming the item, then its stages. */
export function renderMedia(media: Media, label: string, barWidth: number): string[] {
  return [`${label} → ${media.id}  ${media.status}`, ...media.stages.map((s) => `  ${renderStageLine(s, barWidth)}`)];
}

/** One line per update, for logs and pipes where redrawing is impossible. */
export function formatEventLine(label: string, update: ProgressUpdate): string {
  const { media } = update;
  const stage = update.stage ? media.stages.find((s) => s.stage === update.stage) : undefined;
  if (stage) return [`${label}:`, update.event, stage.stage, stageState(stage), ...stageFigures(stage), ...stageNote(stage)].join(' ');
  const running = media.stages.find((s) => s.status === 'RUNNING');
  const where = running && !isTerminal(media.status) ? ` (${running.stage} ${stageState(running)})` : '';
  const event = update.event === 'SNAPSHOT' || update.event === media.status ? '' : ` ${update.event}`;
  return `${label}:${event} ${media.status}${where}`;
}

// Percent while there is progress to show, else the state itself ("skipped", "pending", "failed").
function stageState(stage: StageState): string {
  if (stage.status === 'DONE') return '100%';
  if (stage.status === 'RUNNING') return `${Math.floor(clampPercent(stage.progress))}%`;
  return stage.status.toLowerCase();
}

// `15/40 tiles`, and the time spent once the stage has finished either way.
function stageFigures(stage: StageState): string[] {
  const figures: string[] = [];
  if (stage.total != null) figures.push(`${stage.done ?? 0}/${stage.total}${stage.unit ? ` ${stage.unit}` : ''}`);
  if ((stage.status === 'DONE' || stage.status === 'FAILED') && stage.durationMs != null) {
    figures.push(formatDuration(stage.durationMs));
  }
  if (stage.status === 'RUNNING' && stage.etaSeconds != null) figures.push(`about ${formatDuration(stage.etaSeconds * 1000)} left`);
  return figures;
}

// What a finished stage said of its outcome, as an aside: why it skipped, or what it did.
function stageNote(stage: StageState): string[] {
  return (stage.status === 'DONE' || stage.status === 'SKIPPED') && stage.note ? [`(${stage.note})`] : [];
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}
