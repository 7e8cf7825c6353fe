// Generated from contracts/graphql/schema.graphql by graphql-types.codegen.ts: do not edit.
/* eslint-disable */
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { MediaView } from '../media-view.ts';
import type { GatewayContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
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

export type StageState = {
  __typename?: 'StageState';
  stage: StageName;
  /** The step's name for people ("Enlarge"), from the server's stage catalogue. */
  label: Scalars['String']['output'];
  /** What the step is doing while it runs ("Enlarging"). */
  activity: Scalars['String']['output'];
  status: StageStatus;
  /** 0–100. */
  progress: Scalars['Float']['output'];
  /** Work done and total in the stage's unit (tiles for images, frames for videos). */
  done: Maybe<Scalars['Int']['output']>;
  total: Maybe<Scalars['Int']['output']>;
  unit: Maybe<Scalars['String']['output']>;
  startedAt: Maybe<Scalars['DateTime']['output']>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  durationMs: Maybe<Scalars['Int']['output']>;
  /** What the stage said of its outcome, for people: why it was skipped when SKIPPED ("size kept"), what it did when DONE ("repaired 2.3 % of the picture"). Null when it has nothing to add. */
  note: Maybe<Scalars['String']['output']>;
  /** Estimated seconds left in this stage while it runs (videos: from frames done so far); null when unknown. */
  etaSeconds: Maybe<Scalars['Int']['output']>;
};

/** The formats a restored picture can be downloaded in (videos are MP4 only). */
export type DownloadFormat =
  | 'PNG'
  | 'JPEG'
  | 'WEBP';

/** A small WebP rendition of a picture (a video's first restored frame), for lists and cards: at most 480 px on its long side. */
export type Preview = {
  __typename?: 'Preview';
  url: Scalars['String']['output'];
  width: Scalars['Int']['output'];
  height: Scalars['Int']['output'];
};

/** How big a file is: its pixels and its bytes. */
export type FileSize = {
  __typename?: 'FileSize';
  width: Scalars['Int']['output'];
  height: Scalars['Int']['output'];
  /** Bytes (a Float: videos pass 2^31). */
  bytes: Scalars['Float']['output'];
};

/** Why an item failed: a typed code for programs, a message for people. */
export type MediaError = {
  __typename?: 'MediaError';
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
  stage: Maybe<StageName>;
  attempt: Maybe<Scalars['Int']['output']>;
  at: Scalars['DateTime']['output'];
};

export type Media = {
  __typename?: 'Media';
  id: Scalars['ID']['output'];
  kind: MediaKind;
  filename: Scalars['String']['output'];
  status: MediaStatus;
  options: EnhanceOptionsValue;
  /** The stages this item passes through, in order, with their state. */
  stages: Array<StageState>;
  width: Maybe<Scalars['Int']['output']>;
  height: Maybe<Scalars['Int']['output']>;
  /** Short-lived URL of the uploaded original. */
  originalUrl: Maybe<Scalars['String']['output']>;
  /** Short-lived URL of the restored result, once completed. */
  resultUrl: Maybe<Scalars['String']['output']>;
  /** Short-lived URL of the restored result converted to another format (pictures only; quality 1–100 for JPEG and WebP); null until completed. */
  downloadUrl: Maybe<Scalars['String']['output']>;
  /** Short-lived URL of the uploaded original as a download: an attachment under its own file name, the bytes as uploaded. */
  originalDownloadUrl: Maybe<Scalars['String']['output']>;
  /** Small rendition of the original, made by the pipeline's first stage; null until then. */
  originalPreview: Maybe<Preview>;
  /** Small rendition of the result, made when the item completes. */
  resultPreview: Maybe<Preview>;
  /** The original's pixels and bytes; null until preprocess has measured it. */
  originalSize: Maybe<FileSize>;
  /** The result's pixels and bytes, once completed. */
  resultSize: Maybe<FileSize>;
  /** Share of the whole item's expected work done, 0–100, each stage weighted by the time this server's history says it takes for an item of this size. */
  progress: Scalars['Float']['output'];
  /** Estimated seconds until the whole item is done, from this server's recorded stage durations (per megapixel, per frame); null when finished or unknown. */
  etaSeconds: Maybe<Scalars['Int']['output']>;
  error: Maybe<MediaError>;
  /** Every failure this item had, oldest first (a retried item keeps its history). */
  failures: Array<MediaError>;
  /** OpenTelemetry trace id of this item's journey through the pipeline. */
  traceId: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  updatedAt: Scalars['DateTime']['output'];
};


export type MediaDownloadUrlArgs = {
  format?: DownloadFormat;
  quality?: InputMaybe<Scalars['Int']['input']>;
};

export type EnhanceOptionsValue = {
  __typename?: 'EnhanceOptionsValue';
  scale: Scalars['Int']['output'];
  colorize: ColorizeMode;
  repair: RepairMode;
  frameRateFactor: Scalars['Int']['output'];
};

export type MediaEdge = {
  __typename?: 'MediaEdge';
  cursor: Scalars['String']['output'];
  node: Media;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  hasNextPage: Scalars['Boolean']['output'];
  endCursor: Maybe<Scalars['String']['output']>;
};

export type MediaConnection = {
  __typename?: 'MediaConnection';
  edges: Array<MediaEdge>;
  pageInfo: PageInfo;
};

/** One step of an item's progress, as delivered to subscribers. */
export type MediaProgress = {
  __typename?: 'MediaProgress';
  media: Media;
  stage: Maybe<StageName>;
  /** What happened: SNAPSHOT (first message: the state when subscribing), STAGE_STARTED, STAGE_PROGRESS, STAGE_DONE, STAGE_SKIPPED, COMPLETED, FAILED, CANCELLED (cancelMedia), RETRIED (retryMedia). */
  event: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
};

/** One failure of one item, for operators. */
export type Failure = {
  __typename?: 'Failure';
  mediaId: Scalars['ID']['output'];
  stage: Maybe<StageName>;
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
  attempt: Maybe<Scalars['Int']['output']>;
  at: Scalars['DateTime']['output'];
};

export type FailureEdge = {
  __typename?: 'FailureEdge';
  cursor: Scalars['String']['output'];
  node: Failure;
};

/** How many failures share a stage and a code (within the query's filter). */
export type FailureCount = {
  __typename?: 'FailureCount';
  stage: Maybe<StageName>;
  code: Scalars['String']['output'];
  count: Scalars['Int']['output'];
};

export type FailureConnection = {
  __typename?: 'FailureConnection';
  /** Newest first. */
  edges: Array<FailureEdge>;
  pageInfo: PageInfo;
  /** Every matching failure, not only this page's. */
  totalCount: Scalars['Int']['output'];
  /** Counts by stage and code, largest first. */
  byStageAndCode: Array<FailureCount>;
};

/** Filters for the library. */
export type MediaFilter = {
  status?: InputMaybe<Array<MediaStatus>>;
  kind?: InputMaybe<MediaKind>;
};

export type Query = {
  __typename?: 'Query';
  media: Maybe<Media>;
  /** The caller's items, newest first, optionally filtered. */
  medias: MediaConnection;
  /** A short-lived URL of one ZIP of these items' results (in `format` for pictures), streamed as it is made; ids not the caller's or not completed are left out. */
  archiveUrl: Scalars['String']['output'];
  /** Failures of the caller's items, newest first, optionally of one stage and/or code, with counts by stage and code. */
  failures: FailureConnection;
};


export type QueryMediaArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMediasArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MediaFilter>;
};


export type QueryArchiveUrlArgs = {
  ids: Array<Scalars['ID']['input']>;
  format?: DownloadFormat;
};


export type QueryFailuresArgs = {
  stage?: InputMaybe<StageName>;
  code?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Stores the file and starts its restoration. Refused with OUTPUT_TOO_LARGE when the options would make it larger than the server's output limits (pixels per image, per video frame, per video). */
  uploadMedia: Media;
  /** Restarts a FAILED item from the stage that failed; its failure history is kept. */
  retryMedia: Media;
  /** Stops a QUEUED or PROCESSING item: a running stage stops within a tile or a frame (CANCELLED), later stages skip it, and its intermediates are deleted. */
  cancelMedia: Media;
  /** Deletes the caller's items whole: original, intermediates, result, previews and rows (a running item is cancelled first). Idempotent: ids already gone, or never the caller's, are ignored. Returns the ids deleted now. */
  deleteMedia: Array<Scalars['ID']['output']>;
  /** Restores a finished, failed or cancelled item again from its stored original with other options, without uploading again: a new item, independent of the first (deleting either leaves the other whole). */
  reprocessMedia: Media;
};


export type MutationUploadMediaArgs = {
  file: Scalars['File']['input'];
  options?: InputMaybe<EnhanceOptions>;
};


export type MutationRetryMediaArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCancelMediaArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteMediaArgs = {
  ids: Array<Scalars['ID']['input']>;
};


export type MutationReprocessMediaArgs = {
  id: Scalars['ID']['input'];
  options?: InputMaybe<EnhanceOptions>;
};

export type Subscription = {
  __typename?: 'Subscription';
  mediaProgress: MediaProgress;
};


export type SubscriptionMediaProgressArgs = {
  id: Scalars['ID']['input'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = {}, TContext = {}, TArgs = {}> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = {}, TContext = {}, TArgs = {}> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = {}, TContext = {}> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = {}, TContext = {}> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = {}, TParent = {}, TContext = {}, TArgs = {}> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  File: ResolverTypeWrapper<Scalars['File']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  MediaKind: MediaKind;
  ColorizeMode: ColorizeMode;
  RepairMode: RepairMode;
  MediaStatus: MediaStatus;
  StageName: StageName;
  StageStatus: StageStatus;
  EnhanceOptions: EnhanceOptions;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  StageState: ResolverTypeWrapper<StageState>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  DownloadFormat: DownloadFormat;
  Preview: ResolverTypeWrapper<Preview>;
  FileSize: ResolverTypeWrapper<FileSize>;
  MediaError: ResolverTypeWrapper<MediaError>;
  Media: ResolverTypeWrapper<MediaView>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  EnhanceOptionsValue: ResolverTypeWrapper<EnhanceOptionsValue>;
  MediaEdge: ResolverTypeWrapper<Omit<MediaEdge, 'node'> & { node: ResolversTypes['Media'] }>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  MediaConnection: ResolverTypeWrapper<Omit<MediaConnection, 'edges'> & { edges: Array<ResolversTypes['MediaEdge']> }>;
  MediaProgress: ResolverTypeWrapper<Omit<MediaProgress, 'media'> & { media: ResolversTypes['Media'] }>;
  Failure: ResolverTypeWrapper<Failure>;
  FailureEdge: ResolverTypeWrapper<FailureEdge>;
  FailureCount: ResolverTypeWrapper<FailureCount>;
  FailureConnection: ResolverTypeWrapper<FailureConnection>;
  MediaFilter: MediaFilter;
  Query: ResolverTypeWrapper<{}>;
  Mutation: ResolverTypeWrapper<{}>;
  Subscription: ResolverTypeWrapper<{}>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  File: Scalars['File']['output'];
  DateTime: Scalars['DateTime']['output'];
  EnhanceOptions: EnhanceOptions;
  Int: Scalars['Int']['output'];
  String: Scalars['String']['output'];
  StageState: StageState;
  Float: Scalars['Float']['output'];
  Preview: Preview;
  FileSize: FileSize;
  MediaError: MediaError;
  Media: MediaView;
  ID: Scalars['ID']['output'];
  EnhanceOptionsValue: EnhanceOptionsValue;
  MediaEdge: Omit<MediaEdge, 'node'> & { node: ResolversParentTypes['Media'] };
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  MediaConnection: Omit<MediaConnection, 'edges'> & { edges: Array<ResolversParentTypes['MediaEdge']> };
  MediaProgress: Omit<MediaProgress, 'media'> & { media: ResolversParentTypes['Media'] };
  Failure: Failure;
  FailureEdge: FailureEdge;
  FailureCount: FailureCount;
  FailureConnection: FailureConnection;
  MediaFilter: MediaFilter;
  Query: {};
  Mutation: {};
  Subscription: {};
};

export interface FileScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['File'], any> {
  name: 'File';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type StageStateResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['StageState'] = ResolversParentTypes['StageState']> = {
  stage?: Resolver<ResolversTypes['StageName'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  activity?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['StageStatus'], ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  done?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  total?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  unit?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  durationMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  note?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  etaSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PreviewResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Preview'] = ResolversParentTypes['Preview']> = {
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FileSizeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['FileSize'] = ResolversParentTypes['FileSize']> = {
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MediaErrorResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['MediaError'] = ResolversParentTypes['MediaError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  stage?: Resolver<Maybe<ResolversTypes['StageName']>, ParentType, ContextType>;
  attempt?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MediaResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Media'] = ResolversParentTypes['Media']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['MediaKind'], ParentType, ContextType>;
  filename?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['MediaStatus'], ParentType, ContextType>;
  options?: Resolver<ResolversTypes['EnhanceOptionsValue'], ParentType, ContextType>;
  stages?: Resolver<Array<ResolversTypes['StageState']>, ParentType, ContextType>;
  width?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  height?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  originalUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  resultUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  downloadUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType, RequireFields<MediaDownloadUrlArgs, 'format' | 'quality'>>;
  originalDownloadUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  originalPreview?: Resolver<Maybe<ResolversTypes['Preview']>, ParentType, ContextType>;
  resultPreview?: Resolver<Maybe<ResolversTypes['Preview']>, ParentType, ContextType>;
  originalSize?: Resolver<Maybe<ResolversTypes['FileSize']>, ParentType, ContextType>;
  resultSize?: Resolver<Maybe<ResolversTypes['FileSize']>, ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  etaSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['MediaError']>, ParentType, ContextType>;
  failures?: Resolver<Array<ResolversTypes['MediaError']>, ParentType, ContextType>;
  traceId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type EnhanceOptionsValueResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['EnhanceOptionsValue'] = ResolversParentTypes['EnhanceOptionsValue']> = {
  scale?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  colorize?: Resolver<ResolversTypes['ColorizeMode'], ParentType, ContextType>;
  repair?: Resolver<ResolversTypes['RepairMode'], ParentType, ContextType>;
  frameRateFactor?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MediaEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['MediaEdge'] = ResolversParentTypes['MediaEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Media'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MediaConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['MediaConnection'] = ResolversParentTypes['MediaConnection']> = {
  edges?: Resolver<Array<ResolversTypes['MediaEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MediaProgressResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['MediaProgress'] = ResolversParentTypes['MediaProgress']> = {
  media?: Resolver<ResolversTypes['Media'], ParentType, ContextType>;
  stage?: Resolver<Maybe<ResolversTypes['StageName']>, ParentType, ContextType>;
  event?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailureResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Failure'] = ResolversParentTypes['Failure']> = {
  mediaId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  stage?: Resolver<Maybe<ResolversTypes['StageName']>, ParentType, ContextType>;
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  attempt?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailureEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['FailureEdge'] = ResolversParentTypes['FailureEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Failure'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailureCountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['FailureCount'] = ResolversParentTypes['FailureCount']> = {
  stage?: Resolver<Maybe<ResolversTypes['StageName']>, ParentType, ContextType>;
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailureConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['FailureConnection'] = ResolversParentTypes['FailureConnection']> = {
  edges?: Resolver<Array<ResolversTypes['FailureEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  byStageAndCode?: Resolver<Array<ResolversTypes['FailureCount']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  media?: Resolver<Maybe<ResolversTypes['Media']>, ParentType, ContextType, RequireFields<QueryMediaArgs, 'id'>>;
  medias?: Resolver<ResolversTypes['MediaConnection'], ParentType, ContextType, RequireFields<QueryMediasArgs, 'first'>>;
  archiveUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType, RequireFields<QueryArchiveUrlArgs, 'ids' | 'format'>>;
  failures?: Resolver<ResolversTypes['FailureConnection'], ParentType, ContextType, RequireFields<QueryFailuresArgs, 'first'>>;
};

export type MutationResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  uploadMedia?: Resolver<ResolversTypes['Media'], ParentType, ContextType, RequireFields<MutationUploadMediaArgs, 'file'>>;
  retryMedia?: Resolver<ResolversTypes['Media'], ParentType, ContextType, RequireFields<MutationRetryMediaArgs, 'id'>>;
  cancelMedia?: Resolver<ResolversTypes['Media'], ParentType, ContextType, RequireFields<MutationCancelMediaArgs, 'id'>>;
  deleteMedia?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType, RequireFields<MutationDeleteMediaArgs, 'ids'>>;
  reprocessMedia?: Resolver<ResolversTypes['Media'], ParentType, ContextType, RequireFields<MutationReprocessMediaArgs, 'id'>>;
};

export type SubscriptionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  mediaProgress?: SubscriptionResolver<ResolversTypes['MediaProgress'], "mediaProgress", ParentType, ContextType, RequireFields<SubscriptionMediaProgressArgs, 'id'>>;
};

export type Resolvers<ContextType = GatewayContext> = {
  File?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  StageState?: StageStateResolvers<ContextType>;
  Preview?: PreviewResolvers<ContextType>;
  FileSize?: FileSizeResolvers<ContextType>;
  MediaError?: MediaErrorResolvers<ContextType>;
  Media?: MediaResolvers<ContextType>;
  EnhanceOptionsValue?: EnhanceOptionsValueResolvers<ContextType>;
  MediaEdge?: MediaEdgeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  MediaConnection?: MediaConnectionResolvers<ContextType>;
  MediaProgress?: MediaProgressResolvers<ContextType>;
  Failure?: FailureResolvers<ContextType>;
  FailureEdge?: FailureEdgeResolvers<ContextType>;
  FailureCount?: FailureCountResolvers<ContextType>;
  FailureConnection?: FailureConnectionResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
};

