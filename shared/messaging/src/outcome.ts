import type { Stage, StageProgress, Subject } from '@revive/contracts';

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
  | { readonly kind: 'reject'; readonly code: string; readonly reason: string };

export interface HandlerContext {
  readonly stage: Stage;
  /** 1 on first delivery. */
  readonly attempt: number;
  /** Extends the ack deadline during long work (inference, encoding). */
  heartbeat(): void;
  /** Reports work done so far (tiles, frames) to live subscribers; cheap, call it often. */
  progress(done: number, total: number, unit: StageProgress['unit']): void;
}

/** Backoff for redeliveries: 1 s, 2 s, 4 s … capped at 60 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
