import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_COLORIZE_MODEL } from '@revive/colorizer';
import { FLOW, STAGE_NAMES, stagesOf, Subjects, type Stage, type Subject } from '@revive/contracts';
import { DEFAULT_SUPERRES_MODELS } from '@revive/superres';
import { freePort, type LocalStack, type ServiceName } from '@revive/local-services';
import { query, subscribeWs, uploadFile } from './support/graphql-client.ts';
import { SpanKinds, startOtlpReceiver } from './support/otlp-receiver.ts';
import { scrapeSum } from './support/prometheus-text.ts';
import { TraceTree } from './support/trace-tree.ts';
import { ARTIFACTS, startTestStack, type TestStack } from './support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures/images');
const greyPhoto = join(fixtures, 'brooklyn-bridge-1880s-grey-160.jpg');
const colourPhoto = join(fixtures, 'garden-410x256.jpg');
const SERVICE_NAMES: ServiceName[] = ['gateway', ...STAGE_NAMES];
const IMAGE_STAGES = stagesOf('image');
/** The event each image stage consumes, from the catalogue's flow map. */
const CONSUMES = Object.fromEntries(FLOW.image.map((hop) => [hop.stage, hop.consumes])) as Partial<Record<Stage, Subject>>;
const DELIVERY = 'graphql.subscription deliver mediaProgress';

const parseLine = (line: string): Record<string, unknown> => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** Retries `check` until it passes: a stage counts an item just after the gateway hears of it. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('observability end to end: one trace per media item across every service, Prometheus metrics, health probes', () => {
  let system: TestStack;
  let stack: LocalStack;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const ports = {} as Record<ServiceName, { metrics: number; health: number }>;
  let logs: string[];
  const metricsUrl = (name: ServiceName) => `http://127.0.0.1:${ports[name].metrics}/metrics`;

  before(async () => {
    receiver = await startOtlpReceiver();
    for (const name of SERVICE_NAMES) ports[name] = { metrics: await freePort(), health: await freePort() };
    system = await startTestStack('telemetry', {
      env: {
        REVIVE_LOG_LEVEL: 'debug',
        REVIVE_ACK_WAIT_SECONDS: '5',
        // Many small tiles keep the fast default model busy until the kill in the redelivery test lands.
        REVIVE_TILE_SIZE: '64',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        REVIVE_METRICS_HOST: '127.0.0.1',
        REVIVE_BACKLOG_POLL_SECONDS: '0.5',
      },
      serviceEnv: (name) => ({ REVIVE_METRICS_PORT: String(ports[name].metrics), REVIVE_HEALTH_PORT: String(ports[name].health) }),
    });
    ({ stack, logs } = system);
  });
  after(async () => {
    await system?.stop();
    await receiver?.close();
    await writeFile(join(ARTIFACTS, 'telemetry.e2e.spans.json'), JSON.stringify(receiver?.spans ?? [], null, 1));
  });

  async function traceIdOf(id: string): Promise<string> {
    const { data, errors } = await query<{ media: { traceId: string | null; status: string } }>(
      stack.graphqlUrl,
      'query ($id: ID!) { media(id: $id) { traceId status } }',
      { id },
      { token: stack.token },
    );
    assert.equal(errors, undefined);
    assert.equal(data!.media.status, 'COMPLETED');
    assert.match(data!.media.traceId ?? '', /^[0-9a-f]{32}$/, 'Media.traceId is a W3C trace id');
    return data!.media.traceId!;
  }

  const spansOf = (id: string) => receiver.spans.filter((s) => s.attributes['revive.media_id'] === id);
  /** Waits until the item's publish stage has been projected and announced: its trace is complete. */
  const waitForPublished = (traceId: string) =>
    receiver.waitFor((spans) =>
      spans.some((s) => s.traceId === traceId && s.name === DELIVERY && s.attributes['revive.progress.event'] === 'COMPLETED'),
    );

  it(`gives one upload exactly one trace: ${['gateway', ...IMAGE_STAGES].join(' → ')}, every link a parent link`, async () => {
    // Repair OFF: the stage hands the item on unexamined, yet consumes and publishes in the trace like the others.
    stack.services.preprocess.pause(); // the subscription opens before the first stage finishes
    let id: string;
    let sub: ReturnType<typeof subscribeWs>;
    try {
      const upload = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 2, colorize: 'AUTO', repair: 'OFF' }, undefined, {
        token: stack.token,
      });
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      id = upload.data!.uploadMedia.id;
      sub = subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token });
      await sub.ready;
    } finally {
      stack.services.preprocess.resume();
    }
    await sub.done;
    const traceId = await traceIdOf(id);
    await waitForPublished(traceId);
    await new Promise((r) => setTimeout(r, 500)); // stragglers of the last batch
    const tree = new TraceTree(receiver.spans, traceId);

    assert.deepEqual([...new Set(spansOf(id).map((s) => s.traceId))], [traceId], 'every span naming the item is in its one trace');
    assert.deepEqual(tree.orphans(), [], 'every parent link resolves inside the trace');
    const [root, ...otherRoots] = tree.roots();
    assert.equal(otherRoots.length, 0, tree.describe());
    assert.deepEqual([root!.service, root!.name, root!.kind], ['revive-gateway', 'POST /graphql', SpanKinds.server]);
    assert.deepEqual(new Set(tree.spans.map((s) => s.service)), new Set(['revive-gateway', ...IMAGE_STAGES.map((s) => `revive-${s}`)]));

    // The upload request stores the original, records the item and publishes the first event.
    for (const name of ['object-store put', 'media insert', `${Subjects.imageUploaded} publish`]) {
      assert.ok(tree.descendsFrom(tree.one({ service: 'revive-gateway', name }), root!), `${name} under the upload request`);
    }
    // Each stage consumes as a child of the previous service's publish, handles and publishes under that.
    let previous = tree.one({ service: 'revive-gateway', name: `${Subjects.imageUploaded} publish`, kind: SpanKinds.producer });
    for (const stage of IMAGE_STAGES) {
      const service = `revive-${stage}`;
      const consume = tree.one({ service, name: `${CONSUMES[stage]!} process`, kind: SpanKinds.consumer });
      assert.equal(consume.parentSpanId, previous.spanId, `${stage} continues the producer's context`);
      assert.equal(consume.attributes['messaging.nats.message.delivery_count'], 1);
      assert.equal(tree.one({ service, name: `${stage} handle` }).parentSpanId, consume.spanId);
      previous = tree.find({ service, kind: SpanKinds.producer }).find((s) => s.parentSpanId === consume.spanId)!;
      assert.ok(previous, `${stage} publishes inside its consume span`);
    }
    // Model runs, object-store traffic and the projection's writes are spans of the same trace.
    for (const [stage, model] of [
      ['colorize', DEFAULT_COLORIZE_MODEL],
      ['superres', DEFAULT_SUPERRES_MODELS[2]],
    ] as const) {
      const inference = tree.one({ service: `revive-${stage}`, name: 'model.inference' });
      assert.equal(inference.attributes['revive.model.id'], model);
      assert.ok(
        Number(inference.attributes['revive.inference.tiles']) >= 1 && Number(inference.attributes['revive.inference.input_pixels']) > 0,
      );
      assert.ok(tree.descendsFrom(inference, tree.one({ service: `revive-${stage}`, name: `${stage} handle` })));
      assert.ok(tree.find({ service: `revive-${stage}`, name: 'object-store get' }).length >= 1);
    }
    const projections = tree.find({ service: 'revive-gateway', name: 'media project event' });
    assert.ok(projections.length >= IMAGE_STAGES.length, 'a database write per stage event');
    for (const p of projections) assert.equal(tree.parentOf(p)!.kind, SpanKinds.consumer);
    // Subscribers' deliveries hang off the projection of the event that caused them.
    const deliveries = tree.find({ service: 'revive-gateway', name: DELIVERY });
    // Each stage's outcome delivered once: repair skipped (OFF), every other stage done.
    const delivered = (event: string) => deliveries.filter((d) => d.attributes['revive.progress.event'] === event).length;
    assert.deepEqual([delivered('STAGE_DONE'), delivered('STAGE_SKIPPED')], [IMAGE_STAGES.length - 1, 1]);
    for (const d of deliveries)
      assert.deepEqual([tree.parentOf(d)!.service, tree.parentOf(d)!.kind], ['revive-gateway', SpanKinds.consumer]);

    // The stages' log lines name the trace, the span, the item and the stage.
    const line = logs.map(parseLine).find((l) => l.service === 'revive-superres' && l.media_id === id && l.trace_id === traceId);
    assert.ok(
      line && line.stage === 'superres' && typeof line.span_id === 'string',
      'a superres log line carries trace_id, span_id, media_id and stage',
    );
    assert.ok(!logs.some((l) => /signature=|X-Amz-Signature/i.test(l)), 'no signed URL in any log line');
  });

  it('puts a redelivered message in the same trace, with its delivery count', async () => {
    const upload = await uploadFile(stack.graphqlUrl, colourPhoto, { scale: 4, colorize: 'OFF', repair: 'OFF' }, undefined, {
      token: stack.token,
    });
    const id = upload.data!.uploadMedia.id;
    let killed = false;
    const sub = subscribeWs(
      stack.graphqlUrl,
      id,
      (m) => {
        if (!killed && m.stage === 'SUPERRES' && m.event === 'STAGE_PROGRESS') {
          killed = true;
          void stack.services.superres.crashAndRestart();
        }
      },
      { token: stack.token },
    );
    await sub.done;
    assert.ok(killed, 'superres was killed while it held the message');
    const traceId = await traceIdOf(id);
    await waitForPublished(traceId);
    const tree = new TraceTree(receiver.spans, traceId);
    const producer = tree.one({ service: 'revive-colorize', name: `${Subjects.imageColorized} publish` });
    const consumes = tree.find({ service: 'revive-superres', name: `${Subjects.imageColorized} process` });
    const redelivered = consumes.filter((s) => Number(s.attributes['messaging.nats.message.delivery_count']) >= 2);
    assert.ok(redelivered.length >= 1, `a redelivery span in the item's trace:\n${tree.describe()}`);
    for (const s of redelivered) assert.equal(s.parentSpanId, producer.spanId, 'the retry continues the original producer context');
    assert.deepEqual([...new Set(spansOf(id).map((s) => s.traceId))], [traceId]);
    assert.equal(tree.find({ service: 'revive-publish', name: `${Subjects.imageSuperResolved} process` }).length, 1);
  });

  it('exposes per-stage counters on each Prometheus endpoint, and they move when an item goes through', async () => {
    const processed = (stage: Stage) => scrapeSum(metricsUrl(stage), 'revive_stage_items_processed_total', { stage });
    const before = await Promise.all(IMAGE_STAGES.map(processed));
    const uploadsBefore = await scrapeSum(metricsUrl('gateway'), 'revive_uploads_total');
    const upload = await uploadFile(stack.graphqlUrl, colourPhoto, { scale: 2, colorize: 'OFF', repair: 'OFF' }, undefined, {
      token: stack.token,
    });
    await subscribeWs(stack.graphqlUrl, upload.data!.uploadMedia.id, undefined, { token: stack.token }).done;
    await eventually(async () => {
      const afterwards = await Promise.all(IMAGE_STAGES.map(processed));
      IMAGE_STAGES.forEach((stage, i) => assert.ok(afterwards[i]! >= before[i]! + 1, `${stage}: ${before[i]} → ${afterwards[i]}`));
    });
    assert.equal(await scrapeSum(metricsUrl('gateway'), 'revive_uploads_total'), uploadsBefore + 1);
    assert.ok(
      (await scrapeSum(metricsUrl('superres'), 'revive_stage_processing_duration_seconds_count', { stage: 'superres', outcome: 'done' })) >=
        1,
    );
    assert.ok(
      (await scrapeSum(metricsUrl('superres'), 'revive_inference_seconds_per_megapixel_count', { model: DEFAULT_SUPERRES_MODELS[2] })) >= 1,
    );
    const backlog = await (await fetch(metricsUrl('colorize'))).text();
    assert.match(backlog, /revive_stage_pending_messages\{[^}]*stage="colorize"/, 'the backlog gauge reports the stage');
    assert.ok(receiver.metricExports() > 0, 'metrics also went out over OTLP');
  });

  it('answers liveness and readiness probes on every stage, and the gateway checks NATS and PostgreSQL', async () => {
    for (const name of SERVICE_NAMES.filter((n) => n !== 'gateway')) {
      const base = `http://127.0.0.1:${ports[name].health}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200, name);
      const ready = await fetch(`${base}/readyz`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }], name);
    }
    const gatewayReady = await fetch(stack.graphqlUrl.replace(/\/graphql$/, '/readyz'));
    assert.equal(gatewayReady.status, 200);
  });
});
