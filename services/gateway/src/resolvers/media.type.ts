import type { GatewayContext } from '../context.ts';
import { publicFailure } from '../failure-messages.ts';
import type { StageName } from '../generated/graphql.ts';
import { upper, type MediaView } from '../media-view.ts';

/** Field resolvers of `Media`: object URLs are signed only when asked for. */
export const mediaTypeResolvers = {
  originalUrl: (media: MediaView, _: unknown, ctx: GatewayContext) => ctx.urls.urlFor(media.originalKey),
  /** The item's failure history (media.error is only the latest); empty where none is kept. */
  failures: async (media: MediaView, _: unknown, ctx: GatewayContext) =>
    ((await ctx.operations?.failures.ofMedia(media.id)) ?? []).map((f) => ({ ...publicFailure(f), stage: upper<StageName>(f.stage) })),
  resultUrl: (media: MediaView, _: unknown, ctx: GatewayContext) =>
    media.resultKey && media.status === 'COMPLETED' ? ctx.urls.urlFor(media.resultKey) : null,
};
