import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import type { MediaFilter } from '../generated/graphql.ts';
import { toMediaView } from '../media-view.ts';
import { InvalidCursorError, type MediaListFilter } from '../persistence/index.ts';

const MAX_PAGE = 100;

/** The API's filter in the table's spelling: statuses alike, kinds in lower case. */
function listFilter(filter: MediaFilter | null | undefined): MediaListFilter | undefined {
  if (!filter) return undefined;
  return { status: filter.status ?? null, kind: filter.kind ? (filter.kind.toLowerCase() as MediaListFilter['kind']) : null };
}

/** `medias(first, after, filter)`: newest first, keyset pagination with an opaque cursor, optionally by status and kind. */
export async function mediasQuery(
  _: unknown,
  args: { first?: number | null; after?: string | null; filter?: MediaFilter | null },
  ctx: GatewayContext,
) {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
    throw clientError(ErrorCodes.badUserInput, `first must be between 1 and ${MAX_PAGE}`);
  try {
    const page = await ctx.media.list({ first, after: args.after ?? undefined, filter: listFilter(args.filter) });
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
