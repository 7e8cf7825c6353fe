import { metrics, type Counter, type Histogram, type Meter, type ObservableGauge } from '@opentelemetry/api';

// Seconds from a thumbnail (tens of ms) to a large photo on CPU (minutes).
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const PER_MEGAPIXEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160];
const BYTE_BUCKETS = [1e4, 1e5, 5e5, 1e6, 5e6, 1e7, 5e7, 1e8, 5e8, 1e9, 5e9];

/**
 * Every metric Revive exports, created in this one place so the dashboard's queries can be
 * checked against what the code really exports. Names follow Prometheus habits (the exporters
 * add `_total` to counters, `_bucket`/`_sum`/`_count` to histograms); units are chosen so the
 * Collector's Prometheus exporter, which appends unit suffixes, leaves the names unchanged.
 */
export interface PipelineMetrics {
  /** Items a stage finished and handed on {stage, kind}. */
  readonly itemsProcessed: Counter;
  /** Items a stage gave up on with a failure event {stage, kind, code}. */
  readonly itemsFailed: Counter;
  /** Deliveries a stage asked JetStream to retry later {stage, kind}. */
  readonly itemsRetried: Counter;
  /** Wall time of one delivery, from receipt to ack/nak/term {stage, kind, outcome}. */
  readonly processingDuration: Histogram;
  /** Wall time of one model run over a whole image {model}. */
  readonly inferenceDuration: Histogram;
  /** Model time per input megapixel, comparable across image sizes {model}. */
  readonly inferenceSecondsPerMegapixel: Histogram;
  /** Uploads accepted by the gateway {kind}. */
  readonly uploads: Counter;
  /** Size of each accepted upload {kind}. */
  readonly uploadBytes: Histogram;
  /** Messages of a stage's consumer not yet delivered (the queue ahead of the stage) {stage, consumer}. */
  readonly pendingMessages: ObservableGauge;
  /** Messages delivered to the stage and not yet acked (work in progress) {stage, consumer}. */
  readonly ackPendingMessages: ObservableGauge;
}

/** A stage consumer's backlog as JetStream last reported it. */
export interface BacklogReading {
  readonly stage: string;
  readonly consumer: string;
  readonly pending: number;
  readonly ackPending: number;
}

const backlog = new Map<string, BacklogReading>();

/** Stores the latest backlog of a consumer; the gauges report it at the next collection. */
export function recordBacklog(reading: BacklogReading): void {
  backlog.set(`${reading.stage}/${reading.consumer}`, reading);
}

/** Stops reporting a consumer's backlog (its loop stopped). */
export function forgetBacklog(stage: string, consumer: string): void {
  backlog.delete(`${stage}/${consumer}`);
}

/** Creates the instruments on a meter; tests pass their own meter, services use pipelineMetrics(). */
export function createPipelineMetrics(meter: Meter): PipelineMetrics {
  const pendingMessages = meter.createObservableGauge('revive_stage_pending_messages', {
    description: 'Messages waiting for a stage (JetStream consumer num_pending)',
    unit: '{message}',
  });
  const ackPendingMessages = meter.createObservableGauge('revive_stage_ack_pending_messages', {
    description: 'Messages a stage is working on (JetStream consumer num_ack_pending)',
    unit: '{message}',
  });
  pendingMessages.addCallback((result) => {
    for (const r of backlog.values()) result.observe(r.pending, { stage: r.stage, consumer: r.consumer });
  });
  ackPendingMessages.addCallback((result) => {
    for (const r of backlog.values()) result.observe(r.ackPending, { stage: r.stage, consumer: r.consumer });
  });
  return {
    itemsProcessed: meter.createCounter('revive_stage_items_processed', {
      description: 'Items a stage finished and handed on',
      unit: '{item}',
    }),
    itemsFailed: meter.createCounter('revive_stage_items_failed', {
      description: 'Items a stage failed for good (failure event published)',
      unit: '{item}',
    }),
    itemsRetried: meter.createCounter('revive_stage_items_retried', {
      description: 'Deliveries a stage handed back for a later retry',
      unit: '{item}',
    }),
    processingDuration: meter.createHistogram('revive_stage_processing_duration_seconds', {
      description: 'Time from receiving a message to settling it',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    inferenceDuration: meter.createHistogram('revive_inference_duration_seconds', {
      description: 'Time a model took over one image',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    inferenceSecondsPerMegapixel: meter.createHistogram('revive_inference_seconds_per_megapixel', {
      description: 'Model time per input megapixel',
      unit: 's',
      advice: { explicitBucketBoundaries: PER_MEGAPIXEL_BUCKETS },
    }),
    uploads: meter.createCounter('revive_uploads', { description: 'Uploads accepted by the gateway', unit: '{upload}' }),
    uploadBytes: meter.createHistogram('revive_upload_bytes', {
      description: 'Size of accepted uploads',
      unit: 'By',
      advice: { explicitBucketBoundaries: BYTE_BUCKETS },
    }),
    pendingMessages,
    ackPendingMessages,
  };
}

let shared: PipelineMetrics | undefined;

/**
 * The process's instruments, created on first use from the global meter provider. The
 * instrumentation file registers that provider before any module runs, so they are live;
 * without an SDK (unit tests) they are no-ops.
 */
export function pipelineMetrics(): PipelineMetrics {
  shared ??= createPipelineMetrics(metrics.getMeter('revive'));
  return shared;
}
