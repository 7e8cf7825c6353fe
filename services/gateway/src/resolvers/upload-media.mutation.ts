import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { parseCallbackOption } from './callback-option.ts';
import { SNIFF_BYTES, sniffMedia } from '../media-sniffer.ts';
import { IMAGE_HEADER_BYTES, refuseOversizedImage } from '../output-size-check.ts';
import { peekStream } from '../peek-stream.ts';
import { StreamedUpload } from '../uploads/index.ts';
import { admitNewMedia, parseOptions, storeOriginal, type EnhanceOptionsArg } from './new-media.ts';

interface UploadArgs {
  /** A StreamedUpload when the request was a multipart upload; anything else is refused. */
  file: unknown;
  options?: EnhanceOptionsArg;
}

/**
 * `uploadMedia`: checks what it can cheaply (content type by magic bytes, options, an image's
 * restored size from its header), streams the original to the store as it arrives, records the
 * item, and publishes `<kind>.uploaded` once its owner has room in the pipeline (admission.ts);
 * the stages take it from there. The size is checked while the bytes arrive (the multipart parser
 * fails the upload past REVIVE_MAX_UPLOAD_BYTES), so a refused upload leaves no object behind.
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
  const { media, waiting } = await admitNewMedia(
    ctx,
    { id, kind: sniffed.kind, filename, contentType: sniffed.mime, bytes, options, originalKey },
    callbackUrl,
  );
  ctx.log.info({ media_id: id, kind: sniffed.kind, bytes, format: sniffed.format, waiting }, 'media uploaded');
  return media;
}
