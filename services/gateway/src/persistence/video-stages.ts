// Per-chunk video events and per-chunk progress become per-stage progress in frames. A video
// stage runs as many messages as the video has chunks, possibly on several replicas at once:
// it is DONE when its last chunk is, and its progress counts the frames of finished chunks.
import {
  FLOW,
  stageDefinition,
  type EnhanceOptions,
  type PipelineEvent,
  type Stage,
  type StageProgress,
  type VideoChunk,
} from '@revive/contracts';
import type { StageState } from './media.model.ts';
import { finishStage, isFinished } from './stages.ts';

/** Events that carry one chunk of a video each: what preprocess cuts and every stage after it hands on per chunk. */
export function isChunkEvent(event: PipelineEvent): event is Extract<PipelineEvent, { payload: { chunk: VideoChunk } }> {
  return 'chunk' in event.payload;
}

/** Stages whose progress is counted over chunks, from the catalogue. */
const CHUNKED_STAGES: ReadonlySet<Stage> = new Set(FLOW.video.filter((h) => h.perChunk).map((h) => h.stage));

/**
 * The stage after one of its chunks finished, with the chunk's outcome and note (why it skipped,
 * or what it did). A chunk counted before (a duplicate past the dedupe window) changes nothing;
 * the stage finishes with its last chunk, whatever order the chunks came in.
 *
 * A stage may decide per chunk (repair finds damage in some parts of a film, not in others), so
 * the stage is DONE when it did its work on any chunk, SKIPPED only when it handed every chunk on
 * unchanged: a clean last chunk must not hide the work done on the others. A SKIPPED stage keeps
 * the last chunk's reason. A DONE stage keeps the summary of the last chunk it worked on, never a
 * skipped chunk's reason: summaries are free text about one chunk, which the projection cannot add
 * up without knowing each stage's wording (no per-stage rule here), and the last one is a fair
 * sample of what the stage did to the video.
 */
export function finishChunk(
  state: StageState,
  chunk: VideoChunk,
  videoFrames: number,
  outcome: 'DONE' | 'SKIPPED',
  at: string,
  note?: string,
): StageState {
  if (isFinished(state)) return state;
  const tally = state.chunks ?? { count: chunk.count, done: [], framesDone: 0 };
  if (tally.done.includes(chunk.index)) return state;
  const worked = (tally.worked ?? 0) + (outcome === 'DONE' ? 1 : 0);
  const summary = outcome === 'DONE' && note ? note : tally.summary;
  const chunks = {
    count: tally.count,
    done: [...tally.done, chunk.index].sort((a, b) => a - b),
    framesDone: tally.framesDone + chunk.frames,
    worked,
    ...(summary ? { summary } : {}),
  };
  const counted: StageState = {
    ...state,
    chunks,
    total: videoFrames,
    unit: 'frames',
    done: Math.min(
      videoFrames,
      Math.max(chunks.framesDone, state.unit === 'frames' && state.total === videoFrames ? (state.done ?? 0) : 0),
    ),
  };
  if (chunks.done.length >= chunks.count) {
    const stageOutcome = worked > 0 ? 'DONE' : 'SKIPPED';
    const { etaSeconds: _, ...finished } = finishStage(counted, stageOutcome, at, stageOutcome === 'DONE' ? summary : note);
    return finished;
  }
  return withProgress({ ...counted, status: 'RUNNING', startedAt: state.startedAt ?? at }, at);
}

/**
 * A video stage after a progress report from one of its chunks. The report counts that chunk's
 * frames; the stage's figure is the frames of finished chunks plus the report, never lower than
 * before (reports of chunks running in parallel interleave) and short of the total until the last
 * chunk's event. Undefined when nothing changes; reports that are not in frames only mark the start.
 */
export function advanceVideoStage(
  state: StageState,
  p: StageProgress,
  options: EnhanceOptions,
  sourceFrames: number | null,
): StageState | undefined {
  if (isFinished(state) || !CHUNKED_STAGES.has(state.stage)) return undefined;
  const startedAt = state.startedAt === null || Date.parse(p.at) < Date.parse(state.startedAt) ? p.at : state.startedAt;
  const total =
    state.total ??
    (sourceFrames === null
      ? null
      : sourceFrames * (stageDefinition(state.stage).option === 'frameRateFactor' ? options.frameRateFactor : 1));
  if (p.unit !== 'frames' || total === null) {
    if (state.status === 'RUNNING' && startedAt === state.startedAt) return undefined;
    return { ...state, status: 'RUNNING', startedAt };
  }
  const done = Math.min(total - 1, Math.max(state.done ?? 0, (state.chunks?.framesDone ?? 0) + p.done));
  if (done === state.done && state.status === 'RUNNING') return undefined;
  return withProgress({ ...state, status: 'RUNNING', startedAt, total, unit: 'frames', done }, p.at);
}

/** Percentage and the time left at the pace so far. */
function withProgress(state: StageState, at: string): StageState {
  const { done, total, startedAt } = state;
  if (done === null || total === null || total === 0) return state;
  const progress = Math.round(Math.min(100, (done / total) * 100) * 10) / 10;
  const elapsed = startedAt === null ? 0 : (Date.parse(at) - Date.parse(startedAt)) / 1000;
  const etaSeconds = done > 0 && elapsed > 0 ? Math.round((elapsed * (total - done)) / done) : null;
  return { ...state, progress, etaSeconds };
}
