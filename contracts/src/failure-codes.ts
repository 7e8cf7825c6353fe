/**
 * Why an item failed for good: the `code` of `revive.media.failed`, set by the stage that gave up,
 * and the one sentence a person is told for it (Media.error, failures, webhooks). A stage's own
 * message is for the operator (it quotes ffmpeg, libvips, temp paths, object keys) and goes to
 * the log only. `null`: no sentence of its own; people are told which step failed on the server.
 */
export const FailureCodes = {
  UNSUPPORTED_MEDIA: 'the file is neither an image nor a video Revive can read, or it is corrupt or truncated',
  EMPTY_UPLOAD: 'the upload is empty',
  IMAGE_TOO_LARGE: 'the image has more pixels than this server accepts',
  OUTPUT_TOO_LARGE: 'the restored picture would be larger than this server produces; choose a smaller scale',
  CORRUPT_IMAGE: 'the image is damaged and cannot be decoded',
  CORRUPT_VIDEO: 'the video is damaged or incomplete and cannot be decoded to the end',
  VIDEO_TOO_LONG: 'the video is longer than this server accepts',
  VIDEO_TOO_LARGE: 'the restored video would be larger than this server produces; choose a smaller scale',
  FRAME_RATE_TOO_HIGH: "the restored video's frame rate would be higher than this server produces; choose a lower frame-rate factor",
  MODEL_UNAVAILABLE: 'a restoration model this item needs is not installed on the server',
  CHUNKS_MISMATCH: 'the restored parts of the video did not fit together',
  RETRIES_EXHAUSTED: 'processing kept failing on the server; retry the item later',
  INPUT_MISSING: 'a file this step needed was missing from storage',
  STORAGE_ERROR: "the server's storage failed while processing this item",
  FFMPEG_UNAVAILABLE: 'this server cannot process videos: its video tools are not installed',
  /** The event did not match its contract: a bug or a version mismatch, not the user's file. */
  INVALID_EVENT: null,
  /** An error that gave up without a code of its own. */
  INTERNAL: null,
} as const satisfies Record<string, string | null>;
export type FailureCode = keyof typeof FailureCodes;

export function isFailureCode(code: string): code is FailureCode {
  return Object.hasOwn(FailureCodes, code);
}
