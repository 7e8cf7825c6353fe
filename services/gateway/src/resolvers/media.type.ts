import type { Preview } from '@revive/contracts';
import type { GatewayContext } from '../context.ts';
import { originalDownloadUrlOf } from '../downloads/index.ts';
import { estimateItem } from '../estimates/index.ts';
import { publicFailure } from '../failure-messages.ts';
import type { StageName } from '../generated/graphql.ts';
import { upper, type MediaView } from '../media-view.ts';
import { downloadUrlField } from './download-url.field.ts';

/** Field resolvers of `Media`: object URLs are signed only when asked for. */
export const mediaTypeResolvers = {
  originalUrl: (media: MediaView, _: unknown, ctx: GatewayContext) => ctx.urls.urlFor(media.originalKey),
  /** The item's failure history (media.error is only the latest); empty where none is kept. */
  failures: async (media: MediaView, _: unknown, ctx: GatewayContext) =>
    ((await ctx.operations?.failures.ofMedia(media.id)) ?? []).map((f) => ({ ...publicFailure(f), stage: upper<StageName>(f.stage) })),
  resultUrl: (media: MediaView, _: unknown, ctx: GatewayContext) =>
    media.resultKey && media.status === 'COMPLETED' ? ctx.urls.urlFor(media.resultKey) : null,
  downloadUrl: downloadUrlField,
  originalDownloadUrl: (media: MediaView, _: unknown, ctx: GatewayContext) => originalDownloadUrlOf(ctx.urls, media),
  originalPreview: (media: MediaView, _: unknown, ctx: GatewayContext) => signedPreview(media.originalPreview, ctx),
  resultPreview: (media: MediaView, _: unknown, ctx: GatewayContext) => signedPreview(media.resultPreview, ctx),
  progress: async (media: MediaView, _: unknown, ctx: GatewayContext) => (await estimateOf(media, ctx)).progress,
  etaSeconds: async (media: MediaView, _: unknown, ctx: GatewayContext) => (await estimateOf(media, ctx)).etaSeconds,
};

async function signedPreview(preview: Preview | null, ctx: GatewayContext) {
  return preview && { url: await ctx.urls.urlFor(preview.key), width: preview.width, height: preview.height };
}

/** Whole-item progress and ETA, weighed with this server's stage rates (shared, refreshed at most every 30 s). */
async function estimateOf(media: MediaView, ctx: GatewayContext) {
  const rates = (await ctx.stageRates?.current()) ?? new Map<string, number>();
  return estimateItem(media.estimateInput, rates, Date.now());
}
