import type { Readable } from 'node:stream';
import { enhanceOptionsSchema, type EnhanceOptions, type MediaKind } from '@revive/contracts';
import { ObjectStoreError, type ObjectInfo } from '@revive/object-store';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { toMediaView } from '../media-view.ts';
import { videoLimitError } from '../output-size-check.ts';
import type { NewMedia } from '../persistence/index.ts';
import { spoolAndCheckVideo } from '../video-upload-check.ts';

/** The SDL's EnhanceOptions: numbers, and enum values in upper case (`AUTO`), plus callbackUrl. */
export type EnhanceOptionsArg = ({ readonly callbackUrl?: string | null } & Readonly<Record<string, unknown>>) | null | undefined;

/**
 * The options a new item runs with: those given, over `base` (the defaults for an upload, the
 * first item's options for a reprocess), checked against the events' schema.
 */
export function parseOptions(raw: EnhanceOptionsArg, base: Partial<EnhanceOptions> = {}): EnhanceOptions {
  // Enum options travel in upper case in GraphQL and lower case in events, whichever option it is.
  const given = Object.fromEntries(
    Object.entries(raw ?? {}).flatMap(([k, v]) =>
      v == null || k === 'callbackUrl' ? [] : [[k, typeof v === 'string' ? v.toLowerCase() : v]],
    ),
  );
  const parsed = enhanceOptionsSchema.safeParse({ ...base, ...given });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw clientError(ErrorCodes.badUserInput, `invalid options: ${problems} (scale and frameRateFactor take 1, 2 or 4)`);
  }
  return parsed.data;
}

/**
 * Stores a new item's original. A video is first checked against the video limits (length,
 * output size and frame rate for these options: config.video), so one beyond them is refused
 * here with OUTPUT_TOO_LARGE or BAD_USER_INPUT (`extensions.reason` names the limit) and nothing
 * is stored or recorded.
 */
export async function storeOriginal(
  ctx: GatewayContext,
  key: string,
  media: { readonly kind: MediaKind; readonly mime: string },
  body: Readable,
  options: EnhanceOptions,
): Promise<ObjectInfo> {
  if (media.kind !== 'video') return put(ctx, key, body, media.mime);
  const video = await spoolAndCheckVideo(body, options, ctx.config.video);
  try {
    const [problem] = video.problems;
    if (problem) throw videoLimitError(problem);
    return await put(ctx, key, video.body, media.mime);
  } finally {
    await video.dispose();
  }
}

/** Stores an original; a store that is down or refuses is the client's typed SERVICE_UNAVAILABLE, not a masked internal error. */
async function put(ctx: GatewayContext, key: string, body: Readable, contentType: string): Promise<ObjectInfo> {
  try {
    return await ctx.store.put(key, body, { contentType });
  } catch (error) {
    if (!(error instanceof ObjectStoreError)) throw error;
    ctx.log.error({ err: error, key }, 'could not store an original; nothing was recorded');
    // The store may have kept the object before its answer was lost: the client is told nothing was stored.
    await ctx.store.delete(key).catch(() => undefined);
    throw clientError(ErrorCodes.serviceUnavailable, 'the object store is not reachable right now; nothing was stored, please try again');
  }
}

/**
 * Records a new item whose original is stored and hands it to the pipeline once its owner has
 * room (admission.ts); until then it waits QUEUED. If the event cannot be published the row and
 * object are removed again: the client gets an error and nothing half-accepted is left behind.
 */
export async function admitNewMedia(ctx: GatewayContext, media: NewMedia, callbackUrl: string | undefined) {
  const record = await ctx.media.create(media);
  let waiting: boolean;
  try {
    if (callbackUrl) await ctx.operations?.setCallbackUrl(media.id, callbackUrl);
    waiting = !(await ctx.admission.release(ctx.principal.userId)).some((m) => m.id === media.id);
  } catch (error) {
    ctx.log.error({ err: error, media_id: media.id }, 'could not publish the upload event; rolling the upload back');
    await ctx.media.remove(media.id).catch(() => undefined);
    await ctx.store.delete(media.originalKey).catch(() => undefined);
    throw clientError(ErrorCodes.serviceUnavailable, 'the pipeline is not reachable right now; nothing was stored, please try again');
  }
  return { media: toMediaView(record), waiting };
}
