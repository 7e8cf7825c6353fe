import type { GatewayContext } from '../context.ts';
import { archiveUrlOf } from '../downloads/index.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import type { DownloadFormat } from '../generated/graphql.ts';
import { MAX_PAGE_SIZE } from '../persistence/index.ts';
import { imageFormatOf } from './download-url.field.ts';

/**
 * `archiveUrl(ids, format)`: a signed link to one ZIP of the caller's completed items among
 * `ids`, written as it is downloaded. Only those go into the link (the rest are left out now);
 * the route looks each up again as the caller, so one deleted meanwhile is left out too. At most
 * a page's worth of ids, and at least one of them finished: each travels in the URL, which servers cap at a few kilobytes.
 */
export async function archiveUrlQuery(_: unknown, args: { ids: readonly string[]; format?: DownloadFormat | null }, ctx: GatewayContext) {
  if (args.ids.length > MAX_PAGE_SIZE) throw clientError(ErrorCodes.badUserInput, `at most ${MAX_PAGE_SIZE} items go into one archive`);
  const kept: string[] = [];
  for (const id of new Set(args.ids)) {
    const media = await ctx.media.get(id);
    if (media?.status === 'COMPLETED' && media.resultKey) kept.push(media.id);
  }
  // An empty ZIP looks like a broken download; say why instead. Ids of others' items read as missing.
  if (kept.length === 0) throw clientError(ErrorCodes.notFound, 'none of these items is a finished restoration of yours');
  return archiveUrlOf(ctx.urls, ctx.principal.userId, kept, imageFormatOf(args.format));
}
