// The page's view of the public API (contracts/graphql/schema.graphql): the operations it sends
// and the shapes it reads back. Only the fields selected here are typed.

export type MediaKind = 'IMAGE' | 'VIDEO';
export type MediaStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
export type StageName = 'PREPROCESS' | 'COLORIZE' | 'SUPERRES' | 'INTERPOLATE' | 'PUBLISH';
export type StageStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'SKIPPED' | 'FAILED';
export type ColorizeMode = 'AUTO' | 'ON' | 'OFF';
export type Factor = 1 | 2 | 4;

/** The `EnhanceOptions` input as the page sends it: always complete, so the card can show it. */
export interface EnhanceOptions {
  scale: Factor;
  colorize: ColorizeMode;
  frameRateFactor: Factor;
}

/** The server's defaults (schema.graphql), which the options form starts from. */
export const DEFAULT_OPTIONS: Readonly<EnhanceOptions> = { scale: 2, colorize: 'AUTO', frameRateFactor: 2 };

/** One stage of an item. */
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
  /** The step's name and what it does while running, from the server's stage catalogue. */
  label: string;
  activity: string;
  /** Why the stage was skipped, as the stage said it. */
  note: string | null;
}

/** Why an item failed. */
export interface MediaError {
  code: string;
  message: string;
  stage: StageName | null;
}

/** A snapshot of one media item. */
export interface Media {
  id: string;
  kind: MediaKind;
  filename: string;
  status: MediaStatus;
  options: EnhanceOptions;
  stages: StageState[];
  width: number | null;
  height: number | null;
  originalUrl: string | null;
  resultUrl: string | null;
  error: MediaError | null;
  createdAt: string;
  updatedAt: string;
}

/** One message of the `mediaProgress` subscription (the first is always a SNAPSHOT). */
export interface MediaProgress {
  media: Media;
  stage: StageName | null;
  event: string;
  at: string;
}

/** One page of `medias`. */
export interface MediaPage {
  edges: Array<{ cursor: string; node: Media }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function isTerminal(status: MediaStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

const MEDIA_FIELDS = /* GraphQL */ `
  fragment WebMediaFields on Media {
    id kind filename status
    options { scale colorize frameRateFactor }
    stages { stage label activity status progress done total unit startedAt finishedAt durationMs note }
    width height originalUrl resultUrl
    error { code message stage }
    createdAt updatedAt
  }
`;

export const UPLOAD_MEDIA = /* GraphQL */ `
  mutation WebUploadMedia($file: File!, $options: EnhanceOptions) {
    uploadMedia(file: $file, options: $options) { ...WebMediaFields }
  }
  ${MEDIA_FIELDS}
`;

export const MEDIA_QUERY = /* GraphQL */ `
  query WebMedia($id: ID!) {
    media(id: $id) { ...WebMediaFields }
  }
  ${MEDIA_FIELDS}
`;

export const MEDIAS_QUERY = /* GraphQL */ `
  query WebMedias($first: Int!, $after: String) {
    medias(first: $first, after: $after) {
      edges { cursor node { ...WebMediaFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
  ${MEDIA_FIELDS}
`;

export const MEDIA_PROGRESS = /* GraphQL */ `
  subscription WebMediaProgress($id: ID!) {
    mediaProgress(id: $id) { stage event at media { ...WebMediaFields } }
  }
  ${MEDIA_FIELDS}
`;
