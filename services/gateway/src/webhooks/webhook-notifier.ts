import type { Logger } from '@revive/logging';
import { failureMessage } from '../failure-messages.ts';
import type { ObjectUrls } from '../object-urls.ts';
import type { LifecycleRepository, MediaRecord } from '../persistence/index.ts';
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
  /** Called once per item outcome by the replica that projected it; no-op without a callback URL. */
  notify(media: MediaRecord): void;
  /** Stops retrying; waits for attempts in flight. */
  stop(): Promise<void>;
}

export interface WebhookNotifierOptions {
  readonly secret: string;
  readonly allowPrivateTargets: boolean;
  readonly lifecycle: Pick<LifecycleRepository, 'callbackUrlOf' | 'recordDelivery'>;
  readonly urls: Pick<ObjectUrls, 'urlFor'>;
  readonly log: Logger;
  /** Delay before attempt n+1 after attempt n failed; default 1 s doubling to 5 min. */
  readonly backoffMs?: (attempt: number) => number;
  /** Attempts before giving up; default 10 (about 13 minutes in all). */
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
  /** How a callback's host is resolved; the system resolver by default. */
  readonly resolve?: ResolveHost;
}

export const defaultBackoffMs = (attempt: number) => Math.min(300_000, 1000 * 2 ** (attempt - 1));

/**
 * Delivers signed outcome callbacks: POST JSON with `Revive-Signature`, any 2xx is success,
 * anything else (or no answer) is retried with exponential backoff up to a bound. Every attempt
 * is recorded in webhook_deliveries. Each attempt resolves the host once and connects to the
 * address it checked (resolveDeliverable, postPinned); redirects are not followed.
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const { secret, lifecycle, urls, log } = options;
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const maxAttempts = options.maxAttempts ?? 10;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

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

  async function attempt(url: string, mediaId: string, body: string, n: number): Promise<void> {
    let httpStatus: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      const target = await resolveDeliverable(url, options.allowPrivateTargets, options.resolve);
      const signature = signWebhook(secret, body, Math.floor(Date.now() / 1000));
      httpStatus = await postPinned(url, target, {
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'user-agent': 'Revive-Webhook/1' },
        body,
        timeoutMs: options.timeoutMs ?? 10_000,
      });
      if (httpStatus < 200 || httpStatus >= 300) error = `HTTP ${httpStatus}`;
    } catch (e) {
      error = (e as Error).message.slice(0, 500);
      // A target that resolves to a private address will not stop doing so: no retry.
      refused = e instanceof CallbackUrlError;
    }
    const final = error === null || refused || n >= maxAttempts;
    await lifecycle
      .recordDelivery({ mediaId, status: error === null ? 'DELIVERED' : final ? 'GAVE_UP' : 'FAILED', attempt: n, httpStatus, error })
      .catch((e: unknown) => log.error({ err: e, media_id: mediaId }, 'could not record a webhook delivery'));
    if (error === null) return log.info({ media_id: mediaId, attempt: n, http_status: httpStatus }, 'webhook delivered');
    log.warn(
      { media_id: mediaId, attempt: n, http_status: httpStatus, err: error },
      final ? 'webhook not delivered; giving up' : 'webhook not delivered; will retry',
    );
    if (!final && !stopped) schedule(url, mediaId, body, n + 1, backoff(n));
  }

  function schedule(url: string, mediaId: string, body: string, n: number, delayMs: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      track(attempt(url, mediaId, body, n));
    }, delayMs);
    timers.add(timer);
  }

  function track(task: Promise<void>): void {
    const guarded = task.catch((e: unknown) => log.error({ err: e }, 'webhook delivery failed unexpectedly'));
    inFlight.add(guarded);
    void guarded.finally(() => inFlight.delete(guarded));
  }

  return {
    notify(media) {
      if (stopped || (media.status !== 'COMPLETED' && media.status !== 'FAILED')) return;
      track(
        (async () => {
          const url = await lifecycle.callbackUrlOf(media.id);
          if (!url) return;
          await attempt(url, media.id, JSON.stringify(await payloadOf(media)), 1);
        })(),
      );
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
