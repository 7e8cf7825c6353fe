import { enhanceOptionsSchema, type EnhanceOptions, type MediaKind, type Preview, type Stage, type StageProgress } from '@revive/contracts';
import type { Row } from 'postgres';

export type MediaStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type StageStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'SKIPPED' | 'FAILED' | 'CANCELLED';

/** One stage's state on one item, stored in media.stages and served as the API's StageState. */
// A type alias, not an interface: only aliases satisfy the JSON parameter type of sql.json().
export type StageState = {
  stage: Stage;
  status: StageStatus;
  /** 0–100. */
  progress: number;
  done: number | null;
  total: number | null;
  unit: StageProgress['unit'] | null;
  /** ISO 8601; from the stage's first progress report. */
  startedAt: string | null;
  /** ISO 8601; the `at` of the stage's outcome event. */
  finishedAt: string | null;
  durationMs: number | null;
  /** What the stage said of its outcome, for people: why it skipped ("size kept"), or what it did once DONE. */
  note?: string | null;
  /** Videos: which chunks this stage has finished (absent for images and single-message stages). */
  chunks?: ChunkTally;
  /** Seconds left at the current pace, while a video stage runs; null when unknown. */
  etaSeconds?: number | null;
};

/** A video stage's chunks: how many there are, which are done, and their frames. */
export type ChunkTally = {
  count: number;
  done: number[];
  framesDone: number;
  /** How many of the done chunks the stage did its work on (the others it handed on unchanged); absent in tallies from before it was kept. */
  worked?: number;
  /** What the stage said it did to the last of those chunks (see finishChunk). */
  summary?: string;
};

/** Why an item failed for good, as the API's MediaError. */
export type MediaFailure = {
  code: string;
  message: string;
  stage: Stage | null;
  attempt: number | null;
  at: string;
};

/** A media item as stored, camel-cased; timestamps are ISO 8601 strings throughout. */
export interface MediaRecord {
  id: string;
  kind: MediaKind;
  filename: string;
  contentType: string;
  bytes: number;
  status: MediaStatus;
  options: EnhanceOptions;
  /** In flow order (stagesOf(kind)). */
  stages: StageState[];
  width: number | null;
  height: number | null;
  originalKey: string;
  resultKey: string | null;
  resultWidth: number | null;
  resultHeight: number | null;
  /** The result file's size, once published. */
  resultBytes: number | null;
  /** Small WebP renditions: the original's from preprocess, the result's from publish. */
  originalPreview: Preview | null;
  resultPreview: Preview | null;
  error: MediaFailure | null;
  traceId: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The select list behind every MediaRecord. Aliased to camelCase in SQL so the mapping holds
 * whether or not the caller's client was built with a camel-case column transform.
 */
export const MEDIA_COLUMNS = `id, kind, filename, content_type AS "contentType", bytes, status, options, stages,
  width, height, original_key AS "originalKey", result_key AS "resultKey", result_width AS "resultWidth",
  result_height AS "resultHeight", result_bytes AS "resultBytes", original_preview AS "originalPreview",
  result_preview AS "resultPreview", error, trace_id AS "traceId", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * The value every write gives `updated_at`. Clients keep the newest state by it, so it must grow
 * with the order writes commit in: `now()` is when the transaction began, and one that then
 * waited for the row lock would stamp itself older than the write it waited for (a client would
 * then ignore an item's COMPLETED after its last progress report). The clock at the statement,
 * after the lock, and never behind the row's last stamp (a clock stepped back by NTP).
 */
export const UPDATED_AT_NOW = 'GREATEST(clock_timestamp(), updated_at)';

export function toMediaRecord(row: Row): MediaRecord {
  return {
    id: row.id,
    kind: row.kind,
    filename: row.filename,
    contentType: row.contentType,
    // bigint arrives as a string; uploads stay far below 2^53 bytes.
    bytes: Number(row.bytes),
    status: row.status,
    // A row stored before an option existed lacks it: it reads back with the option's default, as an upload without it would.
    options: enhanceOptionsSchema.parse(row.options),
    stages: row.stages,
    width: row.width,
    height: row.height,
    originalKey: row.originalKey,
    resultKey: row.resultKey,
    resultWidth: row.resultWidth,
    resultHeight: row.resultHeight,
    resultBytes: row.resultBytes === null || row.resultBytes === undefined ? null : Number(row.resultBytes),
    originalPreview: row.originalPreview ?? null,
    resultPreview: row.resultPreview ?? null,
    error: row.error,
    traceId: row.traceId,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
