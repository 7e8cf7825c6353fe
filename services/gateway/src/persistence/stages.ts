import { stagesOf, type MediaKind, type Stage, type StageProgress } from '@revive/contracts';
import type { MediaStatus, StageState, StageStatus } from './media.model.ts';

const FINISHED: ReadonlySet<StageStatus> = new Set(['DONE', 'SKIPPED', 'FAILED', 'CANCELLED']);

/** Every stage of a new item, pending, in flow order. */
export function initialStages(kind: MediaKind): StageState[] {
  return stagesOf(kind).map((stage) => ({
    stage,
    status: 'PENDING',
    progress: 0,
    done: null,
    total: null,
    unit: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
  }));
}

export function isFinished(state: StageState): boolean {
  return FINISHED.has(state.status);
}

/** Applies `change` to one stage; the list is unchanged when the item has no such stage. */
export function updateStage(stages: readonly StageState[], stage: Stage, change: (s: StageState) => StageState): StageState[] {
  return stages.map((s) => (s.stage === stage ? change(s) : s));
}

/**
 * The stage once its outcome is known. The first outcome stands: a stage's event published
 * again outside JetStream's dedupe window must not move its finish time.
 */
export function finishStage(state: StageState, status: 'DONE' | 'SKIPPED' | 'FAILED', at: string, note?: string): StageState {
  if (isFinished(state)) return state;
  const durationMs = state.startedAt === null ? null : Math.max(0, Date.parse(at) - Date.parse(state.startedAt));
  if (status === 'FAILED') return { ...state, status, finishedAt: at, durationMs };
  return { ...state, status, progress: 100, done: state.total ?? state.done, finishedAt: at, durationMs, ...(note ? { note } : {}) };
}

/**
 * The stage when its item is cancelled: one that was running stops (its replicas see the cancel
 * and stop within a tile or a frame, publishing nothing); one that never started stays PENDING.
 */
export function cancelStage(state: StageState, at: string): StageState {
  if (state.status !== 'RUNNING') return state;
  const { etaSeconds: _, ...rest } = state;
  const durationMs = state.startedAt === null ? null : Math.max(0, Date.parse(at) - Date.parse(state.startedAt));
  return { ...rest, status: 'CANCELLED', finishedAt: at, durationMs };
}

/**
 * The stage after a progress report, or undefined when the report changes nothing: the stage
 * already finished (late progress must never regress it) or the report was overtaken by a newer one.
 */
export function advanceStage(state: StageState, p: StageProgress): StageState | undefined {
  if (isFinished(state)) return undefined;
  if (state.done !== null && state.total === p.total && p.done < state.done) return undefined;
  const startedAt = state.startedAt === null || Date.parse(p.at) < Date.parse(state.startedAt) ? p.at : state.startedAt;
  const progress = Math.round(Math.min(100, (p.done / p.total) * 100) * 10) / 10;
  return { ...state, status: 'RUNNING', progress, done: p.done, total: p.total, unit: p.unit, startedAt };
}

/** QUEUED until a stage starts or finishes, then PROCESSING; COMPLETED, FAILED and CANCELLED are final. */
export function statusAfter(status: MediaStatus, stages: readonly StageState[]): MediaStatus {
  if (status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED') return status;
  return stages.some((s) => s.status !== 'PENDING') ? 'PROCESSING' : 'QUEUED';
}
