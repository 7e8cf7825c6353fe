import { randomUUID } from 'node:crypto';
import { ObjectNotFoundError } from '@revive/object-store';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { IMAGE_HEADER_BYTES, refuseOversizedImage } from '../output-size-check.ts';
import { peekStream } from '../peek-stream.ts';
import { parseCallbackOption } from './callback-option.ts';
import { admitNewMedia, parseOptions, storeOriginal, type EnhanceOptionsArg } from './new-media.ts';

/** Items whose work is over: one still running would be restored twice at once from the same original. */
const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * `reprocessMedia(id, options)`: a new item restored from the first one's stored original, with
 * these options over the first one's. The original is copied under the new item's folder, so
 * each owns its objects and deleting either leaves the other whole. Everything an upload passes
 * through applies: the output-size limits for the new options (an image's from its header, a
 * video's from a probe), and the owner's in-flight limit (it may wait QUEUED).
 */
export async function reprocessMediaMutation(_: unknown, args: { id: string; options?: EnhanceOptionsArg }, ctx: GatewayContext) {
  const first = await ctx.media.get(args.id);
  if (!first) throw clientError(ErrorCodes.notFound, 'no media with this id');
  if (!FINISHED.has(first.status))
    throw clientError(
      ErrorCodes.invalidState,
      `only finished, failed or cancelled items can be restored again; this one is ${first.status}`,
      {
        status: first.status,
      },
    );
  const options = parseOptions(args.options, first.options);
  const callbackUrl = parseCallbackOption(args.options?.callbackUrl, ctx);
  const stored = await ctx.store.get(first.originalKey).catch((error: unknown) => {
    if (error instanceof ObjectNotFoundError)
      throw clientError(ErrorCodes.invalidState, "the item's original is no longer stored (its retention passed); upload it again", {
        status: first.status,
      });
    throw error;
  });
  const { head, body } = await peekStream(stored, IMAGE_HEADER_BYTES);
  try {
    if (first.kind === 'image') await refuseOversizedImage(head, options, ctx.config.image);
  } catch (error) {
    stored.destroy();
    body.destroy();
    throw error;
  }
  const id = randomUUID();
  const originalKey = `media/${id}/${first.originalKey.slice(first.originalKey.lastIndexOf('/') + 1)}`;
  const { bytes } = await storeOriginal(ctx, originalKey, { kind: first.kind, mime: first.contentType }, body, options);
  const { media, waiting } = await admitNewMedia(
    ctx,
    { id, kind: first.kind, filename: first.filename, contentType: first.contentType, bytes, options, originalKey },
    callbackUrl,
  );
  ctx.log.info({ media_id: id, from: first.id, kind: first.kind, waiting }, 'media reprocessed');
  return media;
}
