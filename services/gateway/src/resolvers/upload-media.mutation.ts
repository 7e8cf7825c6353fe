import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { enhanceOptionsSchema, type EnhanceOptions } from '@revive/contracts';
import type { ObjectInfo } from '@revive/object-store';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { parseCallbackOption } from './callback-option.ts';
import { SNIFF_BYTES, sniffMedia, type SniffedMedia } from '../media-sniffer.ts';
import { toMediaView } from '../media-view.ts';
import { IMAGE_HEADER_BYTES, refuseOversizedImage, videoLimitError } from '../output-size-check.ts';
import { peekStream } from '../peek-stream.ts';
import { StreamedUpload } from '../uploads/index.ts';
import { spoolAndCheckVideo } from '../video-upload-check.ts';

interface UploadArgs {
  /** A StreamedUpload when the request was a multipart upload; anything else is refused. */
  file: unknown;
  /** The SDL's EnhanceOptions: numbers, and enum values in upper case (`AUTO`), plus callbackUrl. */
  options?: ({ readonly callbackUrl?: string | null } & Readonly<Record<string, unknown>>) | null;
}

function parseOptions(raw: UploadArgs['options']) {
  // Enum options travel in upper case in GraphQL and lower case in events, whichever option it is.
  const given = Object.fromEntries(
    Object.entries(raw ?? {}).flatMap(([k, v]) =>
      v == null || k === 'callbackUrl' ? [] : [[k, typeof v === 'string' ? v.toLowerCase() : v]],
    ),
  );
  const parsed = enhanceOptionsSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw clientError(ErrorCodes.badUserInput, `invalid options: ${problems} (scale and frameRateFactor take 1, 2 or 4)`);
  }
  return parsed.data;
}

/**
 * `uploadMedia`: checks what it can cheaply (content type by magic bytes, options, an image's
 * restored size from its header), streams the original to the store as it arrives, records the
 * item, and publishes `<kind>.uploaded` once its owner has room in the pipeline (admission.ts);
 * the stages take it from there. The size is checked while the bytes arrive (the multipart parser
 * fails the upload past REVIVE_MAX_UPLOAD_BYTES), so a refused upload leaves no object behind.
 * If the event cannot be published the row and object are removed again: the client gets an
 * error and nothing half-accepted is left behind.
 */
export async function uploadMediaMutation(_: unknown, args: UploadArgs, ctx: GatewayContext) {
  const { file } = args;
  const options = parseOptions(args.options);
  const callbackUrl = parseCallbackOption(args.options?.callbackUrl, ctx);
  if (!(file instanceof StreamedUpload)) throw clientError(ErrorCodes.badUserInput, 'file must be a multipart file upload');
  // A failure of the request (too large, malformed) is the reason, whatever the reader saw of it.
  const because = (error: unknown) => {
    throw file.failure ?? error;
  };
  const { head, body } = await peekStream(file.stream(), Math.max(SNIFF_BYTES, IMAGE_HEADER_BYTES)).catch(because);
  if (head.length === 0) throw clientError(ErrorCodes.emptyUpload, 'the uploaded file is empty');
  const sniffed = sniffMedia(head);
  if (!sniffed)
    throw clientError(
      ErrorCodes.unsupportedMedia,
      'the file is neither an image nor a video Revive can read (judged by its content, not its name)',
    );
  if (sniffed.kind === 'image') await refuseOversizedImage(head, options, ctx.config.image);

  const id = randomUUID();
  const originalKey = `media/${id}/original.${sniffed.extension}`;
  // Control characters in a client's filename would break headers and log lines.
  // eslint-disable-next-line no-control-regex
  const filename = (file.name || `upload.${sniffed.extension}`).replace(/[\u0000-\u001f]/g, '').slice(0, 255);
  const { bytes } = await storeOriginal(ctx, originalKey, sniffed, body, options).catch(because);
  const record = await ctx.media.create({
    id,
    kind: sniffed.kind,
    filename,
    contentType: sniffed.mime,
    bytes,
    options,
    originalKey,
  });
  let waiting: boolean;
  try {
    if (callbackUrl) await ctx.operations?.setCallbackUrl(id, callbackUrl);
    // Published now if the caller has room in the pipeline; else it waits QUEUED for one of theirs to finish.
    waiting = !(await ctx.admission.release(ctx.principal.userId)).some((m) => m.id === id);
  } catch (error) {
    ctx.log.error({ err: error, media_id: id }, 'could not publish the upload event; rolling the upload back');
    await ctx.media.remove(id).catch(() => undefined);
    await ctx.store.delete(originalKey).catch(() => undefined);
    throw clientError(ErrorCodes.serviceUnavailable, 'the pipeline is not reachable right now; nothing was stored, please try again');
  }
  ctx.log.info({ media_id: id, kind: sniffed.kind, bytes, format: sniffed.format, waiting }, 'media uploaded');
  return toMediaView(record);
}

/**
 * Stores the original. A video is first checked against the video limits (length, output size
 * and frame rate for these options: config.video), so one beyond them is refused here with
 * OUTPUT_TOO_LARGE or BAD_USER_INPUT (`extensions.reason` names the limit) and nothing is stored
 * or recorded.
 */
async function storeOriginal(
  ctx: GatewayContext,
  key: string,
  sniffed: SniffedMedia,
  body: Readable,
  options: EnhanceOptions,
): Promise<ObjectInfo> {
  if (sniffed.kind !== 'video') return ctx.store.put(key, body, { contentType: sniffed.mime });
  const video = await spoolAndCheckVideo(body, options, ctx.config.video);
  try {
    const [problem] = video.problems;
    if (problem) throw videoLimitError(problem);
    return await ctx.store.put(key, video.body, { contentType: sniffed.mime });
  } finally {
    await video.dispose();
  }
}
