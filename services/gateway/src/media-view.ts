import { stageDefinition } from '@revive/contracts';
import { publicFailure } from './failure-messages.ts';
import type { EnhanceOptionsValue, MediaKind, MediaStatus, StageName, StageStatus } from './generated/graphql.ts';
import type { MediaRecord } from './persistence/index.ts';

const iso = (v: Date | string | null | undefined): string | null =>
  v == null ? null : v instanceof Date ? v.toISOString() : new Date(v).toISOString();
/** The API spells the pipeline's lower-case names as upper-case enum values. */
export function upper<T extends string>(v: string): T;
export function upper<T extends string>(v: string | null | undefined): T | null;
export function upper<T extends string>(v: string | null | undefined): T | null {
  return v == null ? null : (v.toUpperCase() as T);
}

/** The item's options as the API spells them: every enum option in upper case, whichever it is. */
function enhanceOptionsView(options: MediaRecord['options']): EnhanceOptionsValue {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, typeof v === 'string' ? upper(v) : v])) as EnhanceOptionsValue;
}

/**
 * A media record as the GraphQL `Media` type shows it. The object keys stay on the object
 * (not in the schema) so the URL field resolvers can sign them on demand.
 */
export function toMediaView(record: MediaRecord) {
  return {
    id: record.id,
    kind: upper<MediaKind>(record.kind),
    filename: record.filename,
    status: record.status as MediaStatus,
    options: enhanceOptionsView(record.options),
    stages: record.stages.map((s) => ({
      stage: upper<StageName>(s.stage),
      label: stageDefinition(s.stage).label,
      activity: stageDefinition(s.stage).activity,
      status: s.status as StageStatus,
      progress: s.progress ?? 0,
      done: s.done ?? null,
      total: s.total ?? null,
      unit: s.unit ?? null,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      durationMs: s.durationMs ?? null,
      note: s.note ?? null,
      etaSeconds: s.status === 'RUNNING' ? (s.etaSeconds ?? null) : null,
    })),
    width: record.resultWidth ?? record.width ?? null,
    height: record.resultHeight ?? record.height ?? null,
    error: record.error ? { ...publicFailure(record.error), stage: upper<StageName>(record.error.stage), at: iso(record.error.at) } : null,
    traceId: record.traceId ?? null,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    originalKey: record.originalKey,
    resultKey: record.resultKey ?? null,
    // Keys of the previews, signed by the field resolvers; the result's only once it stands.
    originalPreview: record.originalPreview ?? null,
    resultPreview: record.status === 'COMPLETED' ? (record.resultPreview ?? null) : null,
    originalSize:
      record.width !== null && record.height !== null ? { width: record.width, height: record.height, bytes: record.bytes } : null,
    resultSize:
      record.status === 'COMPLETED' && record.resultWidth !== null && record.resultHeight !== null && record.resultBytes !== null
        ? { width: record.resultWidth, height: record.resultHeight, bytes: record.resultBytes }
        : null,
    // What the progress and etaSeconds resolvers weigh, with this server's stage rates.
    estimateInput: {
      kind: record.kind,
      options: record.options,
      stages: record.stages,
      width: record.width,
      height: record.height,
      status: record.status,
    },
  };
}
export type MediaView = ReturnType<typeof toMediaView>;
