import type { Stage } from '@revive/contracts';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { failureMessage } from '../failure-messages.ts';
import type { StageName } from '../generated/graphql.ts';
import { upper } from '../media-view.ts';
import { InvalidCursorError, InvalidPageSizeError, MAX_PAGE_SIZE } from '../persistence/index.ts';

interface FailuresArgs {
  stage?: StageName | null;
  code?: string | null;
  first?: number | null;
  after?: string | null;
}

/** `failures(...)`: the caller's items' failures, newest first, with counts by stage and code. */
export async function failuresQuery(_: unknown, args: FailuresArgs, ctx: GatewayContext) {
  if (!ctx.operations) throw clientError(ErrorCodes.serviceUnavailable, 'this gateway does not keep failure history');
  const first = args.first ?? 20;
  try {
    const page = await ctx.operations.failures.list({
      ownerId: ctx.principal.userId,
      stage: args.stage ? (args.stage.toLowerCase() as Stage) : null,
      code: args.code ?? null,
      first,
      after: args.after ?? null,
    });
    return {
      edges: page.items.map((f) => ({
        cursor: f.cursor,
        node: {
          mediaId: f.mediaId,
          stage: upper<StageName>(f.stage),
          code: f.code,
          message: failureMessage(f.code, f.stage),
          attempt: f.attempt,
          at: f.at,
        },
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
      byStageAndCode: page.byStageAndCode.map((c) => ({ stage: upper<StageName>(c.stage), code: c.code, count: c.count })),
    };
  } catch (error) {
    if (error instanceof InvalidCursorError) throw clientError(ErrorCodes.badUserInput, 'invalid cursor');
    if (error instanceof InvalidPageSizeError) throw clientError(ErrorCodes.badUserInput, `first must be between 0 and ${MAX_PAGE_SIZE}`);
    throw error;
  }
}
