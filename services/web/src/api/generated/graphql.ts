// Generated from contracts/graphql/schema.graphql and services/web/src/api/operations.graphql by contracts/codegen: do not edit.

/* eslint-disable */

export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A file in a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec). */
  File: { input: File; output: File; }
  /** ISO 8601 date-time in UTC. */
  DateTime: { input: string; output: string; }
};

export type MediaKind =
  | 'IMAGE'
  | 'VIDEO';

export type ColorizeMode =
  /** Colorize only monochrome pictures: grey, sepia, faded prints. */
  | 'AUTO'
  | 'ON'
  | 'OFF';

export type RepairMode =
  /** Repair when the detector finds damage (cracks, scratches, dust); pass clean photos through untouched. */
  | 'AUTO'
  /** Fill whatever the detector marks, however little. */
  | 'ON'
  /** Leave the picture as it is. */
  | 'OFF';

export type MediaStatus =
  /** Waiting for the first stage, or for one of its owner's earlier items to finish (each user has a few items in the pipeline at once). */
  | 'QUEUED'
  | 'PROCESSING'
  | 'COMPLETED'
  | 'FAILED'
  /** Stopped by cancelMedia: no stage works on it any more; its intermediates are deleted, the original kept. */
  | 'CANCELLED';

export type StageName =
  | 'PREPROCESS'
  | 'REPAIR'
  | 'COLORIZE'
  | 'SUPERRES'
  | 'INTERPOLATE'
  | 'PUBLISH';

export type StageStatus =
  | 'PENDING'
  | 'RUNNING'
  | 'DONE'
  | 'SKIPPED'
  | 'FAILED'
  /** The stage was running when cancelMedia stopped the item; it stopped too, and wrote nothing more. */
  | 'CANCELLED';

export type EnhanceOptions = {
  /** Super-resolution factor: 1, 2 or 4. */
  scale?: InputMaybe<Scalars['Int']['input']>;
  colorize?: InputMaybe<ColorizeMode>;
  /** Remove cracks, scratches and dust from old prints (and from every frame of a video). */
  repair?: InputMaybe<RepairMode>;
  /** Video only: output frame rate as a multiple of the input's (1, 2 or 4). */
  frameRateFactor?: InputMaybe<Scalars['Int']['input']>;
  /** An http(s) URL to POST the outcome to (COMPLETED or FAILED), signed with the Revive-Signature header. */
  callbackUrl?: InputMaybe<Scalars['String']['input']>;
};

/** The formats a restored picture can be downloaded in (videos are MP4 only). */
export type DownloadFormat =
  | 'PNG'
  | 'JPEG'
  | 'WEBP';

/** Filters for the library. */
export type MediaFilter = {
  status?: InputMaybe<Array<MediaStatus>>;
  kind?: InputMaybe<MediaKind>;
};

export type WebMediaFieldsFragment = { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null };

export type WebUploadMediaMutationVariables = Exact<{
  file: Scalars['File']['input'];
  options?: InputMaybe<EnhanceOptions>;
}>;


export type WebUploadMediaMutation = { uploadMedia: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } };

export type WebMediaQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type WebMediaQuery = { media: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } | null };

export type WebMediasQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MediaFilter>;
}>;


export type WebMediasQuery = { medias: { edges: Array<{ cursor: string, node: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type WebMediaProgressSubscriptionVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type WebMediaProgressSubscription = { mediaProgress: { stage: StageName | null, event: string, at: string, media: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } } };

export type WebCancelMediaMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type WebCancelMediaMutation = { cancelMedia: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } };

export type WebRetryMediaMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type WebRetryMediaMutation = { retryMedia: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } };

export type WebDeleteMediaMutationVariables = Exact<{
  ids: Array<Scalars['ID']['input']> | Scalars['ID']['input'];
}>;


export type WebDeleteMediaMutation = { deleteMedia: Array<string> };

export type WebReprocessMediaMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  options?: InputMaybe<EnhanceOptions>;
}>;


export type WebReprocessMediaMutation = { reprocessMedia: { id: string, kind: MediaKind, filename: string, status: MediaStatus, width: number | null, height: number | null, originalUrl: string | null, resultUrl: string | null, progress: number, etaSeconds: number | null, createdAt: string, updatedAt: string, options: { scale: number, colorize: ColorizeMode, repair: RepairMode, frameRateFactor: number }, stages: Array<{ stage: StageName, label: string, activity: string, status: StageStatus, progress: number, done: number | null, total: number | null, unit: string | null, startedAt: string | null, finishedAt: string | null, durationMs: number | null, note: string | null }>, originalPreview: { url: string, width: number, height: number } | null, resultPreview: { url: string, width: number, height: number } | null, resultSize: { width: number, height: number, bytes: number } | null, error: { code: string, message: string, stage: StageName | null } | null } };

export type WebDownloadUrlQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  format: DownloadFormat;
  quality?: InputMaybe<Scalars['Int']['input']>;
}>;


export type WebDownloadUrlQuery = { media: { id: string, downloadUrl: string | null } | null };

export type WebOriginalDownloadUrlQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type WebOriginalDownloadUrlQuery = { media: { id: string, originalDownloadUrl: string | null } | null };

export type WebArchiveUrlQueryVariables = Exact<{
  ids: Array<Scalars['ID']['input']> | Scalars['ID']['input'];
  format: DownloadFormat;
}>;


export type WebArchiveUrlQuery = { archiveUrl: string };

/** An operation as sent over HTTP or graphql-ws, carrying its result and variable types. */
export interface TypedOperation<Result, Variables> {
  readonly query: string;
  readonly operationName: string;
  /** Never set: it only carries the types. */
  readonly __types?: { readonly result: Result; readonly variables: Variables };
}

/** The result type of a typed operation. */
export type ResultOf<T> = T extends TypedOperation<infer R, unknown> ? R : never;
/** The variables type of a typed operation. */
export type VariablesOf<T> = T extends TypedOperation<unknown, infer V> ? V : never;

export const MediaKindValues: readonly MediaKind[] = ["IMAGE","VIDEO"];
export const ColorizeModeValues: readonly ColorizeMode[] = ["AUTO","ON","OFF"];
export const RepairModeValues: readonly RepairMode[] = ["AUTO","ON","OFF"];
export const MediaStatusValues: readonly MediaStatus[] = ["QUEUED","PROCESSING","COMPLETED","FAILED","CANCELLED"];
export const StageNameValues: readonly StageName[] = ["PREPROCESS","REPAIR","COLORIZE","SUPERRES","INTERPOLATE","PUBLISH"];
export const StageStatusValues: readonly StageStatus[] = ["PENDING","RUNNING","DONE","SKIPPED","FAILED","CANCELLED"];
export const DownloadFormatValues: readonly DownloadFormat[] = ["PNG","JPEG","WEBP"];

/** The server's defaults for `EnhanceOptions`. */
export const EnhanceOptionsDefaults = {"scale":2,"colorize":"AUTO","repair":"AUTO","frameRateFactor":2} as const;

export const WebUploadMediaDocument: TypedOperation<WebUploadMediaMutation, WebUploadMediaMutationVariables> = {
  query: "mutation WebUploadMedia($file: File!, $options: EnhanceOptions) {\n  uploadMedia(file: $file, options: $options) {\n    ...WebMediaFields\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebUploadMedia",
};

export const WebMediaDocument: TypedOperation<WebMediaQuery, WebMediaQueryVariables> = {
  query: "query WebMedia($id: ID!) {\n  media(id: $id) {\n    ...WebMediaFields\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebMedia",
};

export const WebMediasDocument: TypedOperation<WebMediasQuery, WebMediasQueryVariables> = {
  query: "query WebMedias($first: Int!, $after: String, $filter: MediaFilter) {\n  medias(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        ...WebMediaFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebMedias",
};

export const WebMediaProgressDocument: TypedOperation<WebMediaProgressSubscription, WebMediaProgressSubscriptionVariables> = {
  query: "subscription WebMediaProgress($id: ID!) {\n  mediaProgress(id: $id) {\n    stage\n    event\n    at\n    media {\n      ...WebMediaFields\n    }\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebMediaProgress",
};

export const WebCancelMediaDocument: TypedOperation<WebCancelMediaMutation, WebCancelMediaMutationVariables> = {
  query: "mutation WebCancelMedia($id: ID!) {\n  cancelMedia(id: $id) {\n    ...WebMediaFields\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebCancelMedia",
};

export const WebRetryMediaDocument: TypedOperation<WebRetryMediaMutation, WebRetryMediaMutationVariables> = {
  query: "mutation WebRetryMedia($id: ID!) {\n  retryMedia(id: $id) {\n    ...WebMediaFields\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebRetryMedia",
};

export const WebDeleteMediaDocument: TypedOperation<WebDeleteMediaMutation, WebDeleteMediaMutationVariables> = {
  query: "mutation WebDeleteMedia($ids: [ID!]!) {\n  deleteMedia(ids: $ids)\n}",
  operationName: "WebDeleteMedia",
};

export const WebReprocessMediaDocument: TypedOperation<WebReprocessMediaMutation, WebReprocessMediaMutationVariables> = {
  query: "mutation WebReprocessMedia($id: ID!, $options: EnhanceOptions) {\n  reprocessMedia(id: $id, options: $options) {\n    ...WebMediaFields\n  }\n}\nfragment WebMediaFields on Media {\n  id\n  kind\n  filename\n  status\n  options {\n    scale\n    colorize\n    repair\n    frameRateFactor\n  }\n  stages {\n    stage\n    label\n    activity\n    status\n    progress\n    done\n    total\n    unit\n    startedAt\n    finishedAt\n    durationMs\n    note\n  }\n  width\n  height\n  originalUrl\n  resultUrl\n  originalPreview {\n    url\n    width\n    height\n  }\n  resultPreview {\n    url\n    width\n    height\n  }\n  resultSize {\n    width\n    height\n    bytes\n  }\n  progress\n  etaSeconds\n  error {\n    code\n    message\n    stage\n  }\n  createdAt\n  updatedAt\n}",
  operationName: "WebReprocessMedia",
};

export const WebDownloadUrlDocument: TypedOperation<WebDownloadUrlQuery, WebDownloadUrlQueryVariables> = {
  query: "query WebDownloadUrl($id: ID!, $format: DownloadFormat!, $quality: Int) {\n  media(id: $id) {\n    id\n    downloadUrl(format: $format, quality: $quality)\n  }\n}",
  operationName: "WebDownloadUrl",
};

export const WebOriginalDownloadUrlDocument: TypedOperation<WebOriginalDownloadUrlQuery, WebOriginalDownloadUrlQueryVariables> = {
  query: "query WebOriginalDownloadUrl($id: ID!) {\n  media(id: $id) {\n    id\n    originalDownloadUrl\n  }\n}",
  operationName: "WebOriginalDownloadUrl",
};

export const WebArchiveUrlDocument: TypedOperation<WebArchiveUrlQuery, WebArchiveUrlQueryVariables> = {
  query: "query WebArchiveUrl($ids: [ID!]!, $format: DownloadFormat!) {\n  archiveUrl(ids: $ids, format: $format)\n}",
  operationName: "WebArchiveUrl",
};
