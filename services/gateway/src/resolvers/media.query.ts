import type { GatewayContext } from '../context.ts';
import { toMediaView } from '../media-view.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `media(id)`: null for an unknown id, and for a malformed one (nothing to tell apart). */
export async function mediaQuery(_: unknown, args: { id: string }, ctx: GatewayContext) {
  if (!UUID.test(args.id)) return null;
  const record = await ctx.media.get(args.id);
  return record ? toMediaView(record) : null;
}
