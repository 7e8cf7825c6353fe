import { connect, type NatsConnection } from 'nats';
import { hopsOf, Streams, type EventOf, type Stage, type Subject } from '@revive/contracts';
import { runConsumerLoop } from './consumer-loop.ts';
import type { HandlerContext, Outcome } from './outcome.ts';
import { ensureMediaStream } from './streams.ts';

/** The handlers of one stage service, keyed by the subject each consumes. */
export type StageHandlers = { readonly [S in Subject]?: (event: EventOf<S>, context: HandlerContext) => Promise<Outcome> };

export interface StageRunnerOptions {
  readonly stage: Stage;
  readonly nc: NatsConnection;
  readonly handlers: StageHandlers;
  readonly concurrency: number;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  /** Replicas of the media stream when this stage creates or updates it. */
  readonly streamReplicas?: number;
  readonly onError?: (error: unknown) => void;
  /** How often each consumer's backlog is read for the queue-depth gauges (ms); 0: never. */
  readonly backlogPollMs?: number;
}

export class StageWiringError extends Error {
  override readonly name = 'StageWiringError';
  readonly retryable = false;
}

/** Connects to NATS with settings every Revive process shares (named, reconnecting forever). */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
}

/**
 * Boots a stage service: asserts the stream exists, that every hop the flow map gives this
 * stage has exactly one handler (and no handler is left over), then runs one consumer loop
 * per hop. Fails fast on wiring mistakes instead of silently dropping a subject.
 */
export async function runStage(options: StageRunnerOptions): Promise<{ stop(): Promise<void> }> {
  const hops = hopsOf(options.stage);
  const declared = Object.keys(options.handlers);
  const missing = hops.filter((h) => typeof options.handlers[h.consumes] !== 'function').map((h) => h.consumes);
  const extra = declared.filter((s) => !hops.some((h) => h.consumes === s));
  if (missing.length || extra.length) {
    throw new StageWiringError(`stage ${options.stage}: ${missing.length ? `no handler for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `handlers for subjects it does not consume: ${extra.join(', ')}` : ''}`);
  }
  await ensureMediaStream(await options.nc.jetstreamManager(), options.streamReplicas ?? 1);
  const loops = await Promise.all(
    hops.map((hop) =>
      runConsumerLoop({
        nc: options.nc,
        stream: Streams.media,
        hop,
        handle: options.handlers[hop.consumes] as (event: EventOf<typeof hop.consumes>, context: HandlerContext) => Promise<Outcome>,
        concurrency: options.concurrency,
        ackWaitMs: options.ackWaitMs,
        maxDeliver: options.maxDeliver,
        onError: options.onError,
        backlogPollMs: options.backlogPollMs,
      }),
    ),
  );
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
