// Per-item plumbing every stage handler shares: work directory, object transfer, the next
// event, and what a thrown error means.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  messageId,
  parseEvent,
  type EventOf,
  type FailureCode,
  type ImageStageEvent,
  type KindsOf,
  type Preview,
  type Stage,
  type Subject,
} from '@revive/contracts';
import type { Logger } from '@revive/logging';
import { outcomeOfError, type HandlerContext, type NextEvent, type Outcome, type StageHandlers } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';

/** The handler stage S registers for kind K. */
export type HandlerOf<S extends Stage, K extends KindsOf<S>> = StageHandlers<S>[K];

/** What every image stage carries over from the event it consumed into the one it emits. */
export function imageFieldsOf(event: ImageStageEvent): Pick<ImageStageEvent, 'mediaId' | 'options' | 'isMonochrome'> {
  const { mediaId, options, isMonochrome } = event;
  return { mediaId, options, isMonochrome };
}

/** Where a stage writes its output for an item: `media/<mediaId>/<name>`. */
export function outputKey(mediaId: string, name: string): string {
  return `media/${mediaId}/${name}`;
}

/**
 * Stores an item's preview (the WebP @revive/image-io's encodeWebpPreview made) beside its other
 * objects, `media/<id>/<which>-preview.webp`, and says where, for the event that announces it.
 */
export async function storePreview(
  store: ObjectStore,
  mediaId: string,
  which: 'original' | 'result',
  preview: { readonly data: Uint8Array; readonly width: number; readonly height: number },
  signal?: AbortSignal,
): Promise<Preview> {
  // Like upload: nothing is written for an item once it is cancelled.
  signal?.throwIfAborted();
  const key = outputKey(mediaId, `${which}-preview.webp`);
  await store.put(key, preview.data, { contentType: 'image/webp' });
  return { key, width: preview.width, height: preview.height };
}

/** Runs `work` in a fresh directory of its own, removed afterwards whatever happens. */
export async function inWorkDir<T>(parent: string | undefined, stage: Stage, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(parent ?? tmpdir(), `revive-${stage}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One step of a handler's work is done: tell watchers, keep the message's ack deadline away, and stop here if the item was cancelled. */
export function stepDone(ctx: HandlerContext, done: number, total: number): void {
  ctx.signal.throwIfAborted();
  ctx.progress(done, total, 'steps');
  ctx.heartbeat();
}

export async function download(store: ObjectStore, key: string, path: string): Promise<void> {
  await pipeline(await store.get(key), createWriteStream(path));
}

/** Stores a file; with a signal, not once the item was cancelled (its intermediates are being deleted). */
export async function upload(store: ObjectStore, key: string, path: string, contentType: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await store.put(key, createReadStream(path), { contentType });
}

/**
 * The event that hands the item on. Validated here because the consumer loop publishes
 * payloads as given: a bug in this stage must not become the next stage's poison. The msgID
 * depends only on (mediaId, stage), so a redelivered item is dropped by JetStream's dedupe.
 */
export function handOn<S extends Subject>(subject: S, payload: EventOf<S>, stage: Stage): Outcome {
  const next: NextEvent = { subject, payload: parseEvent(subject, payload), msgID: messageId(payload.mediaId, stage) };
  return { kind: 'done', next: [next] };
}

/** Gives the item up: `code` is what people are told (contracts' FailureCodes), `reason` what the operator reads in the log. */
export function reject(code: FailureCode, reason: string): Outcome {
  return { kind: 'reject', code, reason };
}

/**
 * A stage handler whose thrown errors become outcomes the one way (messaging's outcomeOfError),
 * logged with the item: the handler's own code only says what succeeds. An error that a cancel
 * caused is thrown on for the consumer loop, which settles cancelled items itself.
 */
export function settlingErrors<E extends { mediaId: string }>(
  log: Logger,
  work: (event: E, ctx: HandlerContext) => Promise<Outcome>,
): (event: E, ctx: HandlerContext) => Promise<Outcome> {
  return async (event, ctx) => {
    try {
      return await work(event, ctx);
    } catch (error) {
      // Stopped by a cancel, not failed: the consumer loop acks it and publishes nothing.
      if (ctx.signal.aborted) {
        log.info({ mediaId: event.mediaId }, 'item cancelled; work stopped');
        throw error;
      }
      const outcome = outcomeOfError(error);
      log.warn({ mediaId: event.mediaId, outcome: outcome.kind, err: error }, 'item failed');
      return outcome;
    }
  };
}
