import { STAGE_NAMES, stageDefinition, type Stage } from '@revive/contracts';

/**
 * What a client is told about a stage failure, by its code. A stage's own message is written
 * for the operator: it quotes ffmpeg, libvips or the file system (temp paths, heap addresses,
 * object keys), so it goes to the log with the item's trace id (projector.ts) and never to a
 * client. Media.error, Media.failures, failures(…) and webhooks all show these instead.
 */
const MESSAGES: Readonly<Record<string, string>> = {
  UNSUPPORTED_MEDIA: 'the file is neither an image nor a video Revive can read, or it is corrupt or truncated',
  EMPTY_UPLOAD: 'the upload is empty',
  IMAGE_TOO_LARGE: 'the image has more pixels than this server accepts',
  CORRUPT_IMAGE: 'the image is damaged and cannot be decoded',
  CORRUPT_VIDEO: 'the video is damaged or incomplete and cannot be decoded to the end',
  VIDEO_TOO_LONG: 'the video is longer than this server accepts',
  VIDEO_TOO_LARGE: 'the restored video would be larger than this server produces; choose a smaller scale',
  FRAME_RATE_TOO_HIGH: "the restored video's frame rate would be higher than this server produces; choose a lower frame-rate factor",
  MODEL_UNAVAILABLE: 'a restoration model this item needs is not installed on the server',
  MODEL_REJECTED: 'the restoration model could not process this item',
  CHUNKS_MISMATCH: 'the restored parts of the video did not fit together',
  RETRIES_EXHAUSTED: 'processing kept failing on the server; retry the item later',
  INPUT_MISSING: 'a file this step needed was missing from storage',
  STORAGE_ERROR: "the server's storage failed while processing this item",
  FFMPEG_UNAVAILABLE: 'this server cannot process videos: its video tools are not installed',
};

const isStage = (stage: string): stage is Stage => (STAGE_NAMES as readonly string[]).includes(stage);

/** The client's message for a failure of `stage` with `code`; any code without its own sentence (INTERNAL, INVALID_EVENT, a new one) gets the stage's. */
export function failureMessage(code: string, stage: string | null): string {
  const own = MESSAGES[code];
  if (own) return own;
  const name = stage?.toLowerCase() ?? '';
  return `${isStage(name) ? `the ${stageDefinition(name).label.toLowerCase()} step` : 'a processing step'} failed on the server`;
}

/** A failure as a client may see it: the same record, its message replaced by the code's. */
export function publicFailure<F extends { readonly code: string; readonly stage: string | null; readonly message: string }>(failure: F): F {
  return { ...failure, message: failureMessage(failure.code, failure.stage) };
}
