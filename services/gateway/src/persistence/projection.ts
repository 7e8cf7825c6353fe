import {
  FLOW,
  hopEmitting,
  Subjects,
  type EventOf,
  type PipelineEvent,
  type Stage,
  type StageProgress,
  type Subject,
} from '@revive/contracts';
import type { Sql, TransactionSql } from 'postgres';
import { MEDIA_COLUMNS, toMediaRecord, UPDATED_AT_NOW, type MediaRecord, type StageState } from './media.model.ts';
import { recordFailure } from './failures.repository.ts';
import { advanceStage, finishStage, isFinished, statusAfter, updateStage } from './stages.ts';
import { advanceVideoStage, finishChunk, isChunkEvent } from './video-stages.ts';

/** Folds pipeline events and progress reports into media rows. */
export interface Projection {
  /**
   * Applies a validated event once per (media, eventId), in one transaction. Returns the item as
   * it now stands, or undefined when the media id is unknown, the event was already projected, or
   * it was a video chunk that leaves its stage running (nothing to announce as a stage outcome:
   * its frames show in the stage's progress).
   */
  applyEvent<S extends Subject>(subject: S, payload: EventOf<S>, eventId: string): Promise<MediaRecord | undefined>;
  /**
   * Records a stage's progress. Returns the item as it now stands, or undefined when nothing
   * changed: unknown media, the stage or item already finished, or the report was overtaken.
   */
  applyProgress(progress: StageProgress): Promise<MediaRecord | undefined>;
}

export function createProjection(sql: Sql): Projection {
  return {
    applyEvent(subject, payload, eventId) {
      return sql.begin(async (tx) => {
        // The row lock serialises every writer of this item, on this replica and any other.
        const media = await lockMedia(tx, payload.mediaId);
        if (!media) return undefined;
        const [fresh] = await tx`
          INSERT INTO projected_events (media_id, event_id, subject) VALUES (${media.id}, ${eventId}, ${subject})
          ON CONFLICT DO NOTHING RETURNING event_id`;
        if (!fresh) return undefined;
        const event = { subject, payload } as PipelineEvent;
        if (event.subject === Subjects.mediaFailed) await recordFailure(tx, event.payload);
        const saved = await save(tx, fold(media, event));
        if (isChunkEvent(event) && !finishedBy(media, saved, hopEmitting(subject)!.stage)) return undefined;
        return saved;
      });
    },

    applyProgress(progress) {
      return sql.begin(async (tx) => {
        const media = await lockMedia(tx, progress.mediaId);
        if (!media || media.status === 'COMPLETED' || media.status === 'FAILED' || media.status === 'CANCELLED') return undefined;
        const current = media.stages.find((s) => s.stage === progress.stage);
        // The video's frames, as counted by the stage that cut it into chunks (the first).
        const sourceFrames = media.stages.find((s) => s.stage === FLOW.video[0]!.stage && s.status === 'DONE')?.total ?? null;
        const video = media.kind === 'video' && FLOW.video.some((h) => h.stage === current?.stage && h.perChunk);
        const next =
          current && (video ? advanceVideoStage(current, progress, media.options, sourceFrames) : advanceStage(current, progress));
        if (!next) return undefined;
        const stages = updateStage(media.stages, progress.stage, () => next);
        return save(tx, { ...media, stages, status: statusAfter(media.status, stages) });
      });
    },
  };
}

/** The item after one event; a pure function of the two. */
export function fold(media: MediaRecord, event: PipelineEvent): MediaRecord {
  // Work that was in flight when the item was cancelled changes nothing.
  if (media.status === 'CANCELLED') return media;
  if (event.subject === Subjects.mediaFailed) {
    const p = event.payload;
    // A published result outlives any failure report that arrives after it.
    if (media.status === 'COMPLETED') return media;
    const stages = updateStage(media.stages, p.stage, (s) => finishStage(s, 'FAILED', p.at));
    return {
      ...media,
      status: 'FAILED',
      stages,
      error: { code: p.code, message: p.message, stage: p.stage, attempt: p.attempt, at: p.at },
    };
  }
  const stage = hopEmitting(event.subject)?.stage;
  // Uploaded events: the row was written before the event was published and stays QUEUED.
  // An event of the other kind (image subject, video item) is not this item's history.
  if (!stage || !event.subject.startsWith(`revive.${media.kind}.`)) return media;
  const outcome = outcomeOf(event);
  const note = noteOf(event);
  const stages = updateStage(media.stages, stage, (s) =>
    isChunkEvent(event)
      ? finishChunk(s, event.payload.chunk, event.payload.frames, outcome, event.payload.at, note)
      : finishStage(s, outcome, event.payload.at, note),
  );
  const next: MediaRecord = { ...media, stages, status: statusAfter(media.status, stages) };
  switch (event.subject) {
    case Subjects.imagePreprocessed:
    case Subjects.videoPreprocessed:
      return {
        ...next,
        width: event.payload.width,
        height: event.payload.height,
        originalPreview: event.payload.preview ?? media.originalPreview,
      };
    case Subjects.imagePublished:
    case Subjects.videoPublished:
      return {
        ...next,
        status: 'COMPLETED',
        error: null,
        resultKey: event.payload.key,
        resultWidth: event.payload.width,
        resultHeight: event.payload.height,
        resultBytes: event.payload.bytes,
        resultPreview: event.payload.preview,
      };
    default:
      return next;
  }
}

/** A stage that passed the item on without changing it says so in its event: SKIPPED, not DONE. */
function outcomeOf(event: PipelineEvent): 'DONE' | 'SKIPPED' {
  return 'skipped' in event.payload && event.payload.skipped ? 'SKIPPED' : 'DONE';
}

/** What the stage said of its outcome, for people: why it skipped, else what it did; the same slot for every stage. */
function noteOf(event: PipelineEvent): string | undefined {
  // Optional fields of every stage event (events.ts stageOutcome), absent from the others.
  const { skipped, summary } = event.payload as { skipped?: string; summary?: string };
  return skipped ?? summary;
}

/** Did this event finish the stage (so subscribers hear STAGE_DONE once, with its last chunk)? */
function finishedBy(before: MediaRecord, after: MediaRecord, stage: Stage): boolean {
  const was = before.stages.find((s) => s.stage === stage);
  const is = after.stages.find((s) => s.stage === stage);
  return !!is && isFinished(is) && !(was && isFinished(was));
}

async function lockMedia(tx: TransactionSql, id: string): Promise<MediaRecord | undefined> {
  const [row] = await tx`SELECT ${tx.unsafe(MEDIA_COLUMNS)} FROM media WHERE id = ${id} FOR UPDATE`;
  return row ? toMediaRecord(row) : undefined;
}

async function save(tx: TransactionSql, media: MediaRecord): Promise<MediaRecord> {
  const [row] = await tx`
    UPDATE media SET
      status = ${media.status}, stages = ${tx.json(media.stages satisfies StageState[])},
      width = ${media.width}, height = ${media.height},
      result_key = ${media.resultKey}, result_width = ${media.resultWidth}, result_height = ${media.resultHeight},
      result_bytes = ${media.resultBytes},
      original_preview = ${media.originalPreview === null ? null : tx.json(media.originalPreview)},
      result_preview = ${media.resultPreview === null ? null : tx.json(media.resultPreview)},
      error = ${media.error === null ? null : tx.json(media.error)}, updated_at = ${tx.unsafe(UPDATED_AT_NOW)}
    WHERE id = ${media.id}
    RETURNING ${tx.unsafe(MEDIA_COLUMNS)}`;
  return toMediaRecord(row!);
}
