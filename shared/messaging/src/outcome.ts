import { isFailureCode, type FailureCode, type Stage, type StageProgress, type Subject } from '@revive/contracts';

/** An event a handler asks to publish once its work is done (published before the ack). */
export interface NextEvent {
  readonly subject: Subject;
  readonly payload: unknown;
  readonly msgID: string;
}

/** What a stage handler decided; one place (the consumer loop) turns it into ack / nak / term. */
export type Outcome =
  | { readonly kind: 'done'; readonly next: readonly NextEvent[] }
  /** Transient trouble (storage down, model busy): try again later. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** The input can never succeed (corrupt, unsupported): stop, and tell the world why. */
  | { readonly kind: 'reject'; readonly code: FailureCode; readonly reason: string };

export interface HandlerContext {
  readonly stage: Stage;
  /** 1 on first delivery. */
  readonly attempt: number;
  /** Extends the ack deadline during long work (inference, encoding). */
  heartbeat(): void;
  /** Reports work done so far (tiles, frames) to live subscribers; cheap, call it often. */
  progress(done: number, total: number, unit: StageProgress['unit']): void;
  /**
   * Aborted when the item is cancelled (reason: ItemCancelledError). Long work checks it between
   * tiles and frames (`signal.throwIfAborted()`); whatever the handler then returns or throws,
   * the loop publishes nothing for the item and acks its message.
   */
  readonly signal: AbortSignal;
}

/**
 * The one mapping from a thrown error to an outcome, used by the consumer loop and every stage.
 * An error that carries a verdict keeps it: `retryable: true` retries, `retryable: false` rejects
 * with its `code` (INTERNAL when it has none, or one contracts' FailureCodes does not know). An error without one (fs, sharp, onnxruntime,
 * a bug) is retried: most such trouble passes (a full disk, a busy machine), a poison item costs
 * only `maxDeliver` attempts with backoff before its failure event, and rejecting a transient
 * one would lose the user's item for good.
 */
export function outcomeOfError(error: unknown): Outcome {
  const e = error as { retryable?: unknown; code?: unknown; message?: unknown } | null;
  const reason = typeof e?.message === 'string' ? e.message : String(error);
  if (e?.retryable === false)
    return { kind: 'reject', code: typeof e.code === 'string' && isFailureCode(e.code) ? e.code : 'INTERNAL', reason };
  return { kind: 'retry', reason };
}

/** Backoff for redeliveries: 1 s, 2 s, 4 s … capped at 60 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
