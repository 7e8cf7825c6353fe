// The page's view of the public API. The operations are written in operations.graphql and
// their types generated from the schema (`npm run codegen`), so they cannot drift from it;
// this file only names the shapes the page works with.
import {
  EnhanceOptionsDefaults,
  type EnhanceOptions as EnhanceOptionsInput,
  type MediaStatus,
  type WebMediaFieldsFragment,
  type WebMediaProgressSubscription,
  type WebMediasQuery,
} from './generated/graphql.ts';

export {
  WebArchiveUrlDocument as ARCHIVE_URL,
  WebCancelMediaDocument as CANCEL_MEDIA,
  WebDownloadUrlDocument as DOWNLOAD_URL,
  WebReprocessMediaDocument as REPROCESS_MEDIA,
  WebDeleteMediaDocument as DELETE_MEDIA,
  WebRetryMediaDocument as RETRY_MEDIA,
  WebMediaDocument as MEDIA_QUERY,
  WebMediaProgressDocument as MEDIA_PROGRESS,
  WebMediasDocument as MEDIAS_QUERY,
  WebOriginalDownloadUrlDocument as ORIGINAL_DOWNLOAD_URL,
  WebUploadMediaDocument as UPLOAD_MEDIA,
  type ColorizeMode,
  type DownloadFormat,
  type MediaFilter,
  type MediaKind,
  type MediaStatus,
  type RepairMode,
  type ResultOf,
  type StageName,
  type StageStatus,
  type TypedOperation,
  type VariablesOf,
} from './generated/graphql.ts';

export type Factor = 1 | 2 | 4;

type Complete<T> = { [K in keyof T]-?: NonNullable<T[K]> };

/** The `EnhanceOptions` input as the page sends it: always complete, so the card can show it. */
export type EnhanceOptions = Complete<Omit<EnhanceOptionsInput, 'callbackUrl' | 'scale' | 'frameRateFactor'>> & {
  scale: Factor;
  frameRateFactor: Factor;
};

/** The server's defaults, which the options form starts from. */
export const DEFAULT_OPTIONS: Readonly<EnhanceOptions> = EnhanceOptionsDefaults;

/** A snapshot of one media item. */
export type Media = WebMediaFieldsFragment;
/** One stage of an item. */
export type StageState = Media['stages'][number];
/** Why an item failed. */
export type MediaError = NonNullable<Media['error']>;
/** One message of the `mediaProgress` subscription (the first is always a SNAPSHOT). */
export type MediaProgress = WebMediaProgressSubscription['mediaProgress'];
/** One page of `medias`. */
export type MediaPage = WebMediasQuery['medias'];

const TERMINAL: Record<MediaStatus, boolean> = { QUEUED: false, PROCESSING: false, COMPLETED: true, FAILED: true, CANCELLED: true };

/** Whether the item will change no more (a cancelled item stays cancelled). */
export function isTerminal(status: MediaStatus): boolean {
  return TERMINAL[status];
}
