import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { MediaOperationError, type MediaOperations } from '../media-operations.ts';
import { toMediaView } from '../media-view.ts';
import type { MediaRecord } from '../persistence/index.ts';

/** Finds the caller's item (ctx.media is scoped to them) and runs one operation on it, mapping refusals to typed errors. */
async function withMedia(id: string, ctx: GatewayContext, run: (ops: MediaOperations, record: MediaRecord) => Promise<MediaRecord>) {
  const ops = ctx.operations;
  if (!ops) throw clientError(ErrorCodes.serviceUnavailable, 'this gateway does not offer retry and cancel');
  const record = await ctx.media.get(id);
  if (!record) throw clientError(ErrorCodes.notFound, 'no media with this id');
  try {
    return toMediaView(await run(ops, record));
  } catch (error) {
    if (!(error instanceof MediaOperationError)) throw error;
    if (error.reason === 'NOT_FOUND') throw clientError(ErrorCodes.notFound, 'no media with this id');
    const code = {
      INVALID_STATE: ErrorCodes.invalidState,
      TOO_MANY_IN_FLIGHT: ErrorCodes.tooManyInFlight,
      UNAVAILABLE: ErrorCodes.serviceUnavailable,
    }[error.reason];
    throw clientError(code, error.message, { status: record.status });
  }
}

/** `retryMedia(id)`: restarts a FAILED item from the stage that failed. */
export function retryMediaMutation(_: unknown, args: { id: string }, ctx: GatewayContext) {
  return withMedia(args.id, ctx, (ops, record) => ops.retry(record));
}

/** `cancelMedia(id)`: stops a QUEUED or PROCESSING item and deletes its intermediates. */
export function cancelMediaMutation(_: unknown, args: { id: string }, ctx: GatewayContext) {
  return withMedia(args.id, ctx, (ops, record) => ops.cancel(record));
}
