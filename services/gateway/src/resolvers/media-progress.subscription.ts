import { MediaProgressEvents } from '@revive/contracts';
import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import type { MediaProgressEvent } from '@revive/contracts';
import type { StageName } from '../generated/graphql.ts';
import { toMediaView, upper, type MediaView } from '../media-view.ts';
import { startDeliverySpan, subscriberLink } from '../telemetry/update-trace.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const time = (v: Date | string) => new Date(v).getTime();

/**
 * `mediaProgress(id)`: first the item's current state (SNAPSHOT), then every change until it
 * completes or fails. Watching starts before the snapshot is read, so nothing falls between
 * the two; changes older than the snapshot are dropped, so nothing goes backwards.
 */
interface ProgressPayload {
  media: MediaView;
  stage: StageName | null;
  event: MediaProgressEvent;
  at: string;
}

export const mediaProgressSubscription = {
  subscribe: async function* (_: unknown, args: { id: string }, ctx: GatewayContext): AsyncGenerator<ProgressPayload> {
    if (!UUID.test(args.id)) throw clientError(ErrorCodes.notFound, 'no media with this id');
    const updates = ctx.hub.watch(args.id);
    const links = subscriberLink();
    try {
      const record = await ctx.media.get(args.id);
      if (!record) throw clientError(ErrorCodes.notFound, 'no media with this id');
      yield { media: toMediaView(record), stage: null, event: MediaProgressEvents.snapshot, at: new Date().toISOString() };
      if (TERMINAL.has(record.status)) return;
      const since = time(record.updatedAt);
      for await (const u of updates) {
        if (time(u.media.updatedAt) < since) continue;
        // The span covers handing the update over until the transport asks for the next one.
        const delivery = startDeliverySpan(u, links);
        try {
          yield { media: toMediaView(u.media), stage: upper<StageName>(u.stage), event: u.event, at: u.at };
        } finally {
          delivery?.end();
        }
        if (
          u.event === MediaProgressEvents.completed ||
          u.event === MediaProgressEvents.failed ||
          u.event === MediaProgressEvents.cancelled
        )
          return;
      }
    } finally {
      await updates.return?.();
    }
  },
  resolve: (payload: ProgressPayload) => payload,
};
