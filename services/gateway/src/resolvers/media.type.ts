import type { GatewayContext } from '../context.ts';
import type { MediaView } from '../media-view.ts';

/** Field resolvers of `Media`: object URLs are signed only when asked for. */
export const mediaTypeResolvers = {
  originalUrl: (media: MediaView, _: unknown, ctx: GatewayContext) => ctx.urls.urlFor(media.originalKey),
  resultUrl: (media: MediaView, _: unknown, ctx: GatewayContext) => (media.resultKey && media.status === 'COMPLETED' ? ctx.urls.urlFor(media.resultKey) : null),
};
