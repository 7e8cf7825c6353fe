// Client-side view of the public API: the operations this CLI sends and the shapes it reads
// back. Written against contracts/graphql/schema.graphql; only the fields we select are typed.

export type MediaStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
export type StageName = 'PREPROCESS' | 'COLORIZE' | 'SUPERRES' | 'INTERPOLATE' | 'PUBLISH';
export type StageStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'SKIPPED' | 'FAILED';
export type ColorizeMode = 'AUTO' | 'ON' | 'OFF';

/** The `EnhanceOptions` input; unset fields take the server's defaults. */
export interface EnhanceOptions {
  scale?: 1 | 2 | 4;
  colorize?: ColorizeMode;
  frameRateFactor?: 1 | 2 | 4;
}

/** One stage of a media item, as the API reports it. */
export interface StageState {
  stage: StageName;
  status: StageStatus;
  progress: number;
  done: number | null;
  total: number | null;
  unit: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** Why the stage was skipped, as the stage said it. */
  note: string | null;
  /** Seconds left while RUNNING, when the server can tell (videos). */
  etaSeconds?: number | null;
}

/** Why an item failed. */
export interface MediaError {
  code: string;
  message: string;
  stage: StageName | null;
  attempt: number | null;
  at: string;
}

/** A snapshot of one media item. */
export interface Media {
  id: string;
  kind: 'IMAGE' | 'VIDEO';
  filename: string;
  status: MediaStatus;
  options: { scale: number; colorize: ColorizeMode; frameRateFactor: number };
  stages: StageState[];
  width: number | null;
  height: number | null;
  resultUrl: string | null;
  error: MediaError | null;
  traceId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One step of an item's progress (the `MediaProgress` type). */
export interface MediaProgress {
  media: Media;
  stage: StageName | null;
  event: string;
  at: string;
}

export function isTerminal(status: MediaStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

const MEDIA_FIELDS = /* GraphQL */ `
  fragment CliMediaFields on Media {
    id kind filename status
    options { scale colorize frameRateFactor }
    stages { stage status progress done total unit startedAt finishedAt durationMs etaSeconds note }
    width height resultUrl
    error { code message stage attempt at }
    traceId createdAt updatedAt
  }
`;

export const UPLOAD_MEDIA = /* GraphQL */ `
  mutation CliUploadMedia($file: File!, $options: EnhanceOptions) {
    uploadMedia(file: $file, options: $options) { ...CliMediaFields }
  }
  ${MEDIA_FIELDS}
`;

export const MEDIA_QUERY = /* GraphQL */ `
  query CliMedia($id: ID!) {
    media(id: $id) { ...CliMediaFields }
  }
  ${MEDIA_FIELDS}
`;

export const MEDIA_PROGRESS = /* GraphQL */ `
  subscription CliMediaProgress($id: ID!) {
    mediaProgress(id: $id) { stage event at media { ...CliMediaFields } }
  }
  ${MEDIA_FIELDS}
`;

/**
 * What `enhanceFile` reports as an item moves: a subscription event, or a snapshot from a
 * query (event `SNAPSHOT`, `at` = the item's `updatedAt`), so callers see one shape.
 */
export type ProgressUpdate = MediaProgress;
