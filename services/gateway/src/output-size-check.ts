import type { GraphQLError } from 'graphql';
import { outputSizeProblems, type EnhanceOptions, type OutputLimits, type OutputSizeProblem } from '@revive/contracts';
import { readImageHeaderBytes } from '@revive/image-io';
import type { VideoLimitProblem } from '@revive/video-io';
import { clientError, ErrorCodes } from './errors.ts';

/**
 * Bytes of an image upload read before it is stored, for its header: PNG, GIF and WebP say their
 * size in the first 30, a JPEG after its EXIF and colour-profile segments (a phone photo's run to
 * tens of KiB). An image whose header lies further (a TIFF's directory at the end) is measured by
 * preprocess, which refuses it with the same code.
 */
export const IMAGE_HEADER_BYTES = 256 * 1024;

const OUTPUT_CODES: ReadonlySet<string> = new Set<OutputSizeProblem['code']>(['OUTPUT_TOO_LARGE', 'VIDEO_TOO_LARGE']);

/**
 * Refuses an image upload whose restored size, for the options asked, breaks the output limit:
 * a 31 KB PNG of 16000x16000 pixels at scale 4 would ask the stages for 4 gigapixels. Answered
 * from the upload's first bytes, before anything is stored or recorded.
 */
export async function refuseOversizedImage(head: Uint8Array, options: EnhanceOptions, limits: OutputLimits['image']): Promise<void> {
  const header = await readImageHeaderBytes(head);
  if (!header) return;
  const [problem] = outputSizeProblems('image', header, options, limits);
  if (problem) throw outputTooLarge(problem, limits.maxOutputPixels);
}

/** The client's answer to a video beyond the limits: OUTPUT_TOO_LARGE for its output size, BAD_USER_INPUT for the rest. */
export function videoLimitError(problem: VideoLimitProblem): GraphQLError {
  const message = `the video is beyond this server's limits: ${problem.message}`;
  return OUTPUT_CODES.has(problem.code)
    ? clientError(ErrorCodes.outputTooLarge, message, { reason: problem.code })
    : clientError(ErrorCodes.badUserInput, message, { reason: problem.code });
}

function outputTooLarge(problem: OutputSizeProblem, limitPixels: number): GraphQLError {
  if (problem.code === 'IMAGE_TOO_LARGE')
    return clientError(ErrorCodes.imageTooLarge, `the image is too large: ${problem.message}`, { limitPixels });
  return clientError(ErrorCodes.outputTooLarge, `the restored image would be too large: ${problem.message}`, {
    reason: problem.code,
    limitPixels,
  });
}
