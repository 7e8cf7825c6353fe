import {
  Buckets,
  Consumers,
  FLOW,
  GatewaySubjects,
  hopsOf,
  ProgressSubjects,
  STAGE_NAMES,
  Streams,
  Subjects,
  type Stage,
} from '@revive/contracts';

/** A process that connects to NATS under its own user: the gateway or one stage service. */
export type NatsService = 'gateway' | Stage;

/** Every service that gets a NATS user, in flow order after the gateway. */
export const NATS_SERVICES: readonly NatsService[] = ['gateway', ...STAGE_NAMES];

/** What one NATS user may publish to and subscribe to (nats-server `permissions` allow lists). */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** The name a service's connection carries (server logs, `nats server report connections`). */
export function natsClientName(service: string): string {
  return `revive-${service}`;
}

/**
 * Replies to a service's requests (JetStream API answers, publish acks, pulled messages) come to
 * inboxes under this prefix, so its user may subscribe there and nowhere else: with the default
 * `_INBOX.>` any user could read every other connection's replies.
 */
export function inboxPrefixOf(clientName: string): string {
  return `_INBOX.${clientName}`;
}

const KV_STREAM = (bucket: string) => `KV_${bucket}`;

/** The JetStream API calls nats.js makes for a stream the service looks up or creates (ensureMediaStream, `views.kv`). */
function streamAdmin(stream: string, { update }: { update: boolean }): string[] {
  return [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`, ...(update ? [`$JS.API.STREAM.UPDATE.${stream}`] : [])];
}

/** A durable pull consumer of the media stream: create or update it, read its state, pull and settle its messages. */
function durableConsumer(consumer: string): string[] {
  const stream = Streams.media;
  return [
    `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
    // nats.js names the filter subject after the consumer on servers that support it (2.9.0+).
    `$JS.API.CONSUMER.CREATE.${stream}.${consumer}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${consumer}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${consumer}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
    // ack, nak, term and working() go to the delivery's reply subject.
    `$JS.ACK.${stream}.${consumer}.>`,
  ];
}

/**
 * Reads the cancelled bucket: looks an item up (direct or stream get) and watches for new keys
 * (an ordered ephemeral consumer delivering to the reader's inbox, answering flow control).
 */
function cancelledBucketReader(): string[] {
  const stream = KV_STREAM(Buckets.cancelled);
  return [
    ...streamAdmin(stream, { update: false }),
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    // nats.js re-creates an ordered consumer (the watch, after a cluster failover) without a name in the subject.
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * Reads and writes a consumer's own records in the handled-inputs bucket (keys `<consumer>.<seq>`):
 * a stage can neither see nor forge another stage's.
 */
function handledBucketUser(consumer: string): string[] {
  const stream = KV_STREAM(Buckets.handled);
  const keys = `$KV.${Buckets.handled}.${consumer}.>`;
  return [...streamAdmin(stream, { update: false }), keys, `$JS.API.DIRECT.GET.${stream}.${keys}`];
}

/** The account-wide check nats.js makes when a JetStream manager is opened. */
const JS_ACCOUNT_INFO = '$JS.API.INFO';

/**
 * What a stage may do, derived from the flow map: pull and settle its own durable consumers,
 * publish what its hops emit (and the failure event, and progress), read the cancelled bucket, and
 * keep its own records of handled inputs.
 * It cannot subscribe to any event subject, nor publish another stage's output or an upload.
 * A stage may create the media stream when it boots first, but only the gateway changes its settings.
 */
function stagePermissions(stage: Stage, inboxPrefix: string): NatsPermissions {
  const hops = hopsOf(stage);
  return {
    publish: unique([
      JS_ACCOUNT_INFO,
      ...streamAdmin(Streams.media, { update: false }),
      ...hops.flatMap((hop) => [...durableConsumer(hop.consumer), ...handledBucketUser(hop.consumer)]),
      ...hops.map((hop) => hop.emits),
      Subjects.mediaFailed,
      ProgressSubjects.all,
      ...cancelledBucketReader(),
    ]),
    subscribe: [`${inboxPrefix}.>`],
  };
}

/**
 * What the gateway may do: publish uploads and (retryMedia) any stage's input again, read stored
 * events back, project every event through its own durable consumer, hear progress, fan item
 * updates out to its replicas, and write the cancelled bucket.
 */
function gatewayPermissions(inboxPrefix: string): NatsPermissions {
  const stageInputs = [...FLOW.image, ...FLOW.video].map((hop) => hop.consumes);
  const cancelled = KV_STREAM(Buckets.cancelled);
  return {
    publish: unique([
      JS_ACCOUNT_INFO,
      ...streamAdmin(Streams.media, { update: true }),
      `$JS.API.STREAM.MSG.GET.${Streams.media}`,
      ...durableConsumer(Consumers.gatewayProjection),
      ...stageInputs,
      ...streamAdmin(cancelled, { update: false }),
      `$KV.${Buckets.cancelled}.>`,
      GatewaySubjects.mediaUpdatedAll,
    ]),
    subscribe: [`${inboxPrefix}.>`, ProgressSubjects.all, GatewaySubjects.mediaUpdatedAll],
  };
}

/** The permissions of a service's NATS user, derived from the stage catalogue; nothing is listed by hand. */
export function natsPermissionsOf(service: NatsService): NatsPermissions {
  const inbox = inboxPrefixOf(natsClientName(service));
  return service === 'gateway' ? gatewayPermissions(inbox) : stagePermissions(service, inbox);
}

function unique(subjects: readonly string[]): string[] {
  return [...new Set(subjects)];
}
