import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { MAX_PAGE_SIZE } from '../persistence/index.ts';

/**
 * `deleteMedia(ids)`: deletes each of the caller's items whole (operations.remove). Idempotent and
 * owner-only: ctx.media finds only the caller's items, so an id already gone and another user's
 * read alike, and are skipped. Returns the ids deleted by this call.
 */
export async function deleteMediaMutation(_: unknown, args: { ids: readonly string[] }, ctx: GatewayContext): Promise<string[]> {
  const ops = ctx.operations;
  if (!ops) throw clientError(ErrorCodes.serviceUnavailable, 'this gateway does not offer deleting');
  if (args.ids.length > MAX_PAGE_SIZE) throw clientError(ErrorCodes.badUserInput, `at most ${MAX_PAGE_SIZE} items can be deleted at once`);
  const deleted: string[] = [];
  // One at a time: an item's objects are deleted a few at once already (a video has thousands).
  for (const id of new Set(args.ids)) {
    const record = await ctx.media.get(id);
    if (record && (await ops.remove(record))) deleted.push(record.id);
  }
  return deleted;
}
