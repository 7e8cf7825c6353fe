import type { Logger } from '@revive/logging';
import { failureMessage } from '../failure-messages.ts';
import type { ObjectUrls } from '../object-urls.ts';
import type { LifecycleRepository, MediaRecord, PendingWebhook, WebhookOutbox } from '../persistence/index.ts';
import { CallbackUrlError, resolveDeliverable, type ResolveHost } from './callback-url.ts';
import { postPinned } from './pinned-post.ts';
import { signWebhook, SIGNATURE_HEADER } from './webhook-signature.ts';

/** What a receiver gets, as JSON. */
export interface WebhookPayload {
  mediaId: string;
  status: 'COMPLETED' | 'FAILED';
  resultUrl?: string;
  error?: { code: string; message: string; stage: string | null; attempt: number | null };
  at: string;
}

export interface WebhookNotifier {
  /** Called once per item outcome by the replica that projected it; queues the delivery (no-op without a callback URL). */
  notify(media: MediaRecord): void;
  /** Stops claiming deliveries; waits for attempts in flight (what is still pending stays queued for any replica). */
  stop(): Promise<void>;
}

export interface WebhookNotifierOptions {
  readonly secret: string;
  readonly allowPrivateTargets: boolean;
  readonly lifecycle: Pick<LifecycleRepository, 'callbackUrlOf'>;
  /** Pending deliveries, shared by every replica: retries survive a restart and are made once. */
  readonly outbox: WebhookOutbox;
  readonly urls: Pick<ObjectUrls, 'urlFor'>;
  readonly log: Logger;
  /** Delay before attempt n+1 after attempt n failed; default 1 s doubling to 5 min. */
  readonly backoffMs?: (attempt: number) => number;
  /** Attempts before giving up; default 10 (about 13 minutes in all). */
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
  /** How often the outbox is read for deliveries that fell due (retries, another replica's leftovers); default 1 s. */
  readonly pollMs?: number;
  /** How a callback's host is resolved; the system resolver by default. */
  readonly resolve?: ResolveHost;
}

export const defaultBackoffMs = (attempt: number) => Math.min(300_000, 1000 * 2 ** (attempt - 1));

/** Deliveries one replica makes at once. */
const MAX_IN_FLIGHT = 16;

/**
 * Delivers signed outcome callbacks: POST JSON with `Revive-Signature`, any 2xx is success,
 * anything else (a redirect included, never followed) or no answer is retried with exponential
 * backoff up to a bound. Deliveries wait in the outbox table, not in timers: each replica claims
 * due ones under a lease, so a retry is made once across replicas and resumes after a restart.
 * Every attempt is recorded in webhook_deliveries. Each attempt resolves the host once and
 * connects to the address it checked (resolveDeliverable, postPinned).
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const { secret, lifecycle, outbox, urls, log } = options;
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const maxAttempts = options.maxAttempts ?? 10;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Long enough for resolving, the POST's timeout and recording it; a replica that died mid-attempt frees the row after it.
  const leaseMs = timeoutMs + 30_000;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let claiming: Promise<void> | undefined;
  let claimAgain = false;

  async function payloadOf(media: MediaRecord): Promise<WebhookPayload> {
    const status = media.status as WebhookPayload['status'];
    const base: WebhookPayload = { mediaId: media.id, status, at: media.updatedAt };
    if (status === 'COMPLETED' && media.resultKey) return { ...base, resultUrl: await urls.urlFor(media.resultKey) };
    if (media.error)
      return {
        ...base,
        error: {
          code: media.error.code,
          message: failureMessage(media.error.code, media.error.stage),
          stage: media.error.stage,
          attempt: media.error.attempt,
        },
      };
    return base;
  }

  async function attempt(pending: PendingWebhook): Promise<void> {
    const { url, mediaId, body, attempt: n } = pending;
    let httpStatus: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      const target = await resolveDeliverable(url, options.allowPrivateTargets, options.resolve);
      const signature = signWebhook(secret, body, Math.floor(Date.now() / 1000));
      httpStatus = await postPinned(url, target, {
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'user-agent': 'Revive-Webhook/1' },
        body,
        timeoutMs,
      });
      if (httpStatus < 200 || httpStatus >= 300) error = `HTTP ${httpStatus}`;
    } catch (e) {
      error = (e as Error).message.slice(0, 500);
      // A target that resolves to a private address will not stop doing so: no retry.
      refused = e instanceof CallbackUrlError;
    }
    const final = error === null || refused || n >= maxAttempts;
    const status = error === null ? 'DELIVERED' : final ? 'GAVE_UP' : 'FAILED';
    // Not recorded (PostgreSQL down): the lease runs out and the attempt is made again.
    await outbox
      .settle(pending, { status, httpStatus, error }, final ? null : backoff(n))
      .catch((e: unknown) => log.error({ err: e, media_id: mediaId }, 'could not record a webhook delivery'));
    if (error === null) return log.info({ media_id: mediaId, attempt: n, http_status: httpStatus }, 'webhook delivered');
    log.warn(
      { media_id: mediaId, attempt: n, http_status: httpStatus, err: error },
      final ? 'webhook not delivered; giving up' : 'webhook not delivered; will retry',
    );
  }

  function track(task: Promise<void>): void {
    const guarded = task.catch((e: unknown) => log.error({ err: e }, 'webhook delivery failed unexpectedly'));
    inFlight.add(guarded);
    void guarded.finally(() => inFlight.delete(guarded));
  }

  /** Claims what is due, up to this replica's room, and starts each attempt; one claim at a time. */
  function claim(): void {
    if (stopped) return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = (async () => {
      do {
        claimAgain = false;
        const room = MAX_IN_FLIGHT - inFlight.size;
        if (room <= 0 || stopped) break;
        for (const pending of await outbox.claimDue(room, leaseMs)) track(attempt(pending));
      } while (claimAgain && !stopped);
    })()
      .catch((e: unknown) => log.warn({ err: e }, 'could not read pending webhook deliveries; trying again shortly'))
      .finally(() => (claiming = undefined));
  }

  const poll = setInterval(claim, options.pollMs ?? 1000);
  // Whatever an earlier run (of this replica or another) left due is taken up now.
  claim();

  return {
    notify(media) {
      if (stopped || (media.status !== 'COMPLETED' && media.status !== 'FAILED')) return;
      track(
        (async () => {
          const url = await lifecycle.callbackUrlOf(media.id);
          if (!url) return;
          await outbox.enqueue({ mediaId: media.id, url, body: JSON.stringify(await payloadOf(media)) });
          claim();
        })(),
      );
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      await claiming;
      await Promise.allSettled([...inFlight]);
    },
  };
}
