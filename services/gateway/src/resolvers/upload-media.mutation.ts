import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { enhanceOptionsSchema, messageId, Subjects, type EnhanceOptions, type EventOf } from '@revive/contracts';
import { publishEvent } from '@revive/messaging';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { parseCallbackOption } from './callback-option.ts';
import { SNIFF_BYTES, sniffMedia, type SniffedMedia } from '../media-sniffer.ts';
import { toMediaView } from '../media-view.ts';
import { peekStream } from '../peek-stream.ts';
import { spoolAndCheckVideo } from '../video-upload-check.ts';

interface UploadArgs {
  file: File;
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
 * `uploadMedia`: checks what it can cheaply (size, content type by magic bytes, options), stores
 * the original, records the item, and publishes `<kind>.uploaded`; the stages take it from there.
 * If the event cannot be published the row and object are removed again: the client gets an
 * error and nothing half-accepted is left behind.
 */
export async function uploadMediaMutation(_: unknown, args: UploadArgs, ctx: GatewayContext) {
  const { file } = args;
  const options = parseOptions(args.options);
  const callbackUrl = parseCallbackOption(args.options?.callbackUrl, ctx);
  if (!file || typeof file.arrayBuffer !== 'function') throw clientError(ErrorCodes.badUserInput, 'file must be a multipart file upload');
  if (file.size === 0) throw clientError(ErrorCodes.emptyUpload, 'the uploaded file is empty');
  const limit = ctx.config.gateway.maxUploadBytes;
  if (file.size > limit)
    throw clientError(ErrorCodes.uploadTooLarge, `the upload is ${file.size} bytes; the limit is ${limit}`, { limitBytes: limit });
  const { head, body } = await peekStream(file.stream() as ReadableStream<Uint8Array>, SNIFF_BYTES);
  const sniffed = sniffMedia(head);
  if (!sniffed)
    throw clientError(
      ErrorCodes.unsupportedMedia,
      'the file is neither an image nor a video Revive can read (judged by its content, not its name)',
    );

  const id = randomUUID();
  const originalKey = `media/${id}/original.${sniffed.extension}`;
  // Control characters in a client's filename would break headers and log lines.
  // eslint-disable-next-line no-control-regex
  const filename = (file.name || `upload.${sniffed.extension}`).replace(/[\u0000-\u001f]/g, '').slice(0, 255);
  await storeOriginal(ctx, originalKey, sniffed, body, options);
  const record = await ctx.media.create({
    id,
    kind: sniffed.kind,
    filename,
    contentType: sniffed.mime,
    bytes: file.size,
    options,
    originalKey,
  });
  const subject = sniffed.kind === 'image' ? Subjects.imageUploaded : Subjects.videoUploaded;
  const event: EventOf<typeof subject> = {
    mediaId: id,
    options,
    at: new Date().toISOString(),
    originalKey,
    filename,
    contentType: sniffed.mime,
    bytes: file.size,
  };
  try {
    if (callbackUrl) await ctx.operations?.setCallbackUrl(id, callbackUrl);
    await publishEvent(ctx.nc.jetstream(), subject, event, messageId(id, 'upload'));
  } catch (error) {
    ctx.log.error({ err: error, media_id: id }, 'could not publish the upload event; rolling the upload back');
    await ctx.media.remove(id).catch(() => undefined);
    await ctx.store.delete(originalKey).catch(() => undefined);
    throw clientError(ErrorCodes.serviceUnavailable, 'the pipeline is not reachable right now; nothing was stored, please try again');
  }
  ctx.log.info({ media_id: id, kind: sniffed.kind, bytes: file.size, format: sniffed.format }, 'media uploaded');
  return toMediaView(record);
}

/**
 * Stores the original. A video is first checked against the video limits (length, output size
 * and frame rate for these options: config.video), so one beyond them is refused here with
 * BAD_USER_INPUT (`extensions.reason` names the limit) and nothing is stored or recorded.
 */
async function storeOriginal(
  ctx: GatewayContext,
  key: string,
  sniffed: SniffedMedia,
  body: Readable,
  options: EnhanceOptions,
): Promise<void> {
  if (sniffed.kind !== 'video') {
    await ctx.store.put(key, body, { contentType: sniffed.mime });
    return;
  }
  const video = await spoolAndCheckVideo(body, options, ctx.config.video);
  try {
    const [problem] = video.problems;
    if (problem)
      throw clientError(ErrorCodes.badUserInput, `the video is beyond this server's limits: ${problem.message}`, { reason: problem.code });
    await ctx.store.put(key, video.body, { contentType: sniffed.mime });
  } finally {
    await video.dispose();
  }
}
