import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { toMediaView } from '../media-view.ts';
import { InvalidCursorError } from '../persistence/index.ts';

const MAX_PAGE = 100;

/** `medias(first, after)`: newest first, keyset pagination with an opaque cursor. */
export async function mediasQuery(_: unknown, args: { first?: number | null; after?: string | null }, ctx: GatewayContext) {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
    throw clientError(ErrorCodes.badUserInput, `first must be between 1 and ${MAX_PAGE}`);
  try {
    const page = await ctx.media.list({ first, after: args.after ?? undefined });
    const edges = page.items.map((record: Parameters<typeof toMediaView>[0] & { cursor?: string }, i: number) => ({
      cursor: record.cursor ?? (i === page.items.length - 1 ? page.endCursor : undefined) ?? '',
      node: toMediaView(record),
    }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor ?? null } };
  } catch (error) {
    if (error instanceof InvalidCursorError) throw clientError(ErrorCodes.badUserInput, 'invalid cursor');
    throw error;
  }
}
