import type { NatsConnection } from 'nats';
import {
  hopsOf,
  Streams,
  type EventOf,
  type KindsOf,
  type OutputLimits,
  type Stage,
  type StageInput,
  type Subject,
} from '@revive/contracts';
import { runConsumerLoop } from './consumer-loop.ts';
import type { HandlerContext, Outcome } from './outcome.ts';
import { withTransientRetry } from './publish-retry.ts';
import { ensureMediaStream } from './streams.ts';

/**
 * The handlers of stage S, one per kind of media it handles. Keyed by kind, not subject: what a
 * stage consumes is the catalogue's business, so inserting a stage before it changes nothing here.
 */
export type StageHandlers<S extends Stage = Stage> = {
  readonly [K in KindsOf<S>]: (event: StageInput<S, K>, context: HandlerContext) => Promise<Outcome>;
};

export interface StageRunnerOptions<S extends Stage> {
  readonly stage: S;
  readonly nc: NatsConnection;
  readonly handlers: StageHandlers<S>;
  readonly concurrency: number;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  /** Replicas of the media stream when this stage creates it (the gateway owns its settings). */
  readonly streamReplicas?: number;
  readonly onError?: (error: unknown) => void;
  /** How often each consumer's backlog is read for the queue-depth gauges (ms); 0: never. */
  readonly backlogPollMs?: number;
  /** Items whose result would break these fail before their handler runs (see runConsumerLoop). */
  readonly outputLimits?: OutputLimits;
}

export class StageWiringError extends Error {
  override readonly name = 'StageWiringError';
  readonly retryable = false;
}

/**
 * Boots a stage service: asserts the stream exists, that every hop the flow map gives this
 * stage has exactly one handler (and no handler is left over), then runs one consumer loop
 * per hop. Fails fast on wiring mistakes instead of silently dropping a subject.
 */
export async function runStage<S extends Stage>(options: StageRunnerOptions<S>): Promise<{ stop(): Promise<void> }> {
  const hops = hopsOf(options.stage);
  const byKind = options.handlers as unknown as Readonly<Record<string, unknown>>;
  const missing = hops.filter((h) => typeof byKind[h.kind] !== 'function').map((h) => `${h.kind} (${h.consumes})`);
  const extra = Object.keys(byKind).filter((kind) => !hops.some((h) => h.kind === kind));
  if (missing.length || extra.length) {
    throw new StageWiringError(
      `stage ${options.stage}: ${missing.length ? `no handler for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `handlers for kinds it does not handle: ${extra.join(', ')}` : ''}`,
    );
  }
  // A server restarting, or a cluster electing leaders, answers timeouts and 503s for a while: a
  // stage booting then waits it out instead of exiting.
  await withTransientRetry(async () =>
    ensureMediaStream(await options.nc.jetstreamManager(), options.streamReplicas ?? 1, { update: false }),
  );
  const loops = await Promise.all(
    hops.map((hop) =>
      runConsumerLoop({
        nc: options.nc,
        stream: Streams.media,
        hop,
        handle: byKind[hop.kind] as (event: EventOf<Subject>, context: HandlerContext) => Promise<Outcome>,
        concurrency: options.concurrency,
        ackWaitMs: options.ackWaitMs,
        maxDeliver: options.maxDeliver,
        onError: options.onError,
        backlogPollMs: options.backlogPollMs,
        outputLimits: options.outputLimits,
        bucketReplicas: options.streamReplicas,
      }),
    ),
  );
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
