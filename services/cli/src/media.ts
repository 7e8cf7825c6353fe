// The CLI's view of the public API. The operations are written in operations.graphql and their
// types generated from the schema (`npm run codegen`), so they cannot drift from it; this file
// only names the shapes the CLI works with.
import type {
  CliMediaFieldsFragment,
  CliMediaProgressSubscription,
  EnhanceOptions as EnhanceOptionsInput,
  MediaStatus,
} from './generated/graphql.ts';

export {
  CliMediaDocument as MEDIA_QUERY,
  CliMediaProgressDocument as MEDIA_PROGRESS,
  CliUploadMediaDocument as UPLOAD_MEDIA,
  ColorizeModeValues,
  RepairModeValues,
  type ColorizeMode,
  type MediaStatus,
  type ResultOf,
  type StageName,
  type StageStatus,
  type TypedOperation,
  type VariablesOf,
} from './generated/graphql.ts';

/** The `EnhanceOptions` input as the CLI sends it: unset fields take the server's defaults. */
export type EnhanceOptions = Omit<EnhanceOptionsInput, 'callbackUrl'>;

/** A snapshot of one media item. */
export type Media = CliMediaFieldsFragment;
/** One stage of a media item, as the API reports it. */
export type StageState = Media['stages'][number];
/** Why an item failed. */
export type MediaError = NonNullable<Media['error']>;
/** One step of an item's progress (the `MediaProgress` type). */
export type MediaProgress = CliMediaProgressSubscription['mediaProgress'];

/**
 * What `enhanceFile` reports as an item moves: a subscription event, or a snapshot from a
 * query (event `SNAPSHOT`, `at` = the item's `updatedAt`), so callers see one shape.
 */
export type ProgressUpdate = MediaProgress;

const TERMINAL: Record<MediaStatus, boolean> = { QUEUED: false, PROCESSING: false, COMPLETED: true, FAILED: true, CANCELLED: true };

/** Whether the item will change no more (a cancelled item stays cancelled). */
export function isTerminal(status: MediaStatus): boolean {
  return TERMINAL[status];
}
