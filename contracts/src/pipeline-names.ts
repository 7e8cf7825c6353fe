/** JetStream streams. One stream holds every pipeline event; consumers filter it by subject. */
export const Streams = {
  /** Every media event, kept until each interested consumer has acknowledged it. */
  media: 'REVIVE_MEDIA',
  /** Per-tile / per-frame progress: high volume, short-lived, never replayed for work. */
  progress: 'REVIVE_PROGRESS',
} as const;

/** Pipeline stages. Each is a horizontally scaled consumer group. */
export const Stages = {
  preprocess: 'preprocess',
  repair: 'repair',
  colorize: 'colorize',
  superres: 'superres',
  interpolate: 'interpolate',
  publish: 'publish',
} as const;
export type Stage = (typeof Stages)[keyof typeof Stages];

export const MediaKinds = { image: 'image', video: 'video' } as const;
export type MediaKind = (typeof MediaKinds)[keyof typeof MediaKinds];

/**
 * Event subjects: `revive.<kind>.<event>`. The kind is in the subject so a consumer can take
 * only images or only videos with one filter (nats-server 2.9 allows one filter per consumer).
 */
export const Subjects = {
  imageUploaded: 'revive.image.uploaded',
  imagePreprocessed: 'revive.image.preprocessed',
  imageRepaired: 'revive.image.repaired',
  imageColorized: 'revive.image.colorized',
  imageSuperResolved: 'revive.image.superresolved',
  imagePublished: 'revive.image.published',
  videoUploaded: 'revive.video.uploaded',
  videoPreprocessed: 'revive.video.preprocessed',
  videoRepaired: 'revive.video.repaired',
  videoColorized: 'revive.video.colorized',
  videoSuperResolved: 'revive.video.superresolved',
  videoInterpolated: 'revive.video.interpolated',
  videoPublished: 'revive.video.published',
  /** Any stage, any kind: the item failed for good (poison input or retries exhausted). */
  mediaFailed: 'revive.media.failed',
} as const;
export type Subject = (typeof Subjects)[keyof typeof Subjects];

/**
 * JetStream key-value buckets. `cancelled`: one key per cancelled media id (the value is when);
 * the consumer loop checks it before handling a message and acks without work when the key exists.
 * `handled`: one key per input a stage's consumer handled to completion (`<consumer>.<stream seq>`);
 * a redelivery whose ack was lost finds it and is acked without being handled again.
 */
export const Buckets = {
  cancelled: 'revive-cancelled',
  handled: 'revive-handled',
} as const;

/** The `Nats-Msg-Id` of an event re-published by `retryMedia`: new per retry so JetStream's dedupe keeps it. */
export function retryMessageId(original: string, retry: number): string {
  return `${original}:retry${retry}`;
}

/** Progress subjects: `revive.progress.<mediaId>`, so a gateway can watch one item. */
export const ProgressSubjects = {
  all: 'revive.progress.>',
  of: (mediaId: string) => `revive.progress.${mediaId}`,
} as const;

/** Everything the media stream captures. */
export const MEDIA_STREAM_SUBJECTS = ['revive.image.>', 'revive.video.>', 'revive.media.>'] as const;

/** Durable consumers: one per (stage, input subject); the gateway projects every event. */
export const Consumers = {
  preprocessImage: 'preprocess-image',
  preprocessVideo: 'preprocess-video',
  repairImage: 'repair-image',
  repairVideo: 'repair-video',
  colorizeImage: 'colorize-image',
  colorizeVideo: 'colorize-video',
  superresImage: 'superres-image',
  superresVideo: 'superres-video',
  interpolateVideo: 'interpolate-video',
  publishImage: 'publish-image',
  publishVideo: 'publish-video',
  gatewayProjection: 'gateway-projection',
} as const;
export type ConsumerName = (typeof Consumers)[keyof typeof Consumers];

/** The `Nats-Msg-Id` of a stage's output: JetStream drops a second publish of it within the dedupe window. */
export function messageId(mediaId: string, stage: Stage | 'upload', part?: number): string {
  return part === undefined ? `${mediaId}:${stage}` : `${mediaId}:${stage}:${part}`;
}

/**
 * Gateway fan-out: whichever gateway replica projected a change announces the item's new state
 * here (core NATS, not stored), and every replica forwards it to its own subscribers.
 */
export const GatewaySubjects = {
  mediaUpdatedAll: 'revive.gateway.media.>',
  mediaUpdated: (mediaId: string) => `revive.gateway.media.${mediaId}`,
  /** Queue group in which exactly one gateway replica records each progress message. */
  progressQueue: 'gateway-progress',
} as const;

/** What a subscriber is told happened to an item (the `event` field of `MediaProgress`). */
export const MediaProgressEvents = {
  snapshot: 'SNAPSHOT',
  stageStarted: 'STAGE_STARTED',
  stageProgress: 'STAGE_PROGRESS',
  stageDone: 'STAGE_DONE',
  stageSkipped: 'STAGE_SKIPPED',
  completed: 'COMPLETED',
  failed: 'FAILED',
  /** cancelMedia stopped the item (final, like COMPLETED and FAILED). */
  cancelled: 'CANCELLED',
  /** retryMedia restarted a failed item. */
  retried: 'RETRIED',
} as const;
export type MediaProgressEvent = (typeof MediaProgressEvents)[keyof typeof MediaProgressEvents];
