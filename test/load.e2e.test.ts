import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import sharp from 'sharp';
import { ProgressSubjects, stagesOf, Subjects } from '@revive/contracts';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile } from './support/graphql-client.ts';
import { pollUntil, within } from './support/bounded-wait.ts';
import { auditRecords, settledImageWorkAudit } from './support/duplicate-work-audit.ts';
import { startOtlpReceiver } from './support/otlp-receiver.ts';
import { percentile } from './support/pipeline-audit.ts';
import { ARTIFACTS, startTestStack, type TestStack } from './support/test-stack.ts';

const CLIENTS = 20;
const UPLOADS_PER_CLIENT = 10;
/** Every fifth upload runs the real models (repair, colorize, 2× super-resolution); the rest pass through. */
const INFERENCE_EVERY = 5;
/** Every tenth upload asks for a webhook, counted by the receiver below. */
const WEBHOOK_EVERY = 10;
/** colorize is killed (SIGKILL) when it starts on this inference item, mid-run. */
const KILL_AT_INFERENCE_ITEM = 10;
const WEBHOOK_SECRET = 'load-e2e-webhook-secret-with-at-least-32-characters';
const INFERENCE = { scale: 2, colorize: 'ON', repair: 'ON' } as const;
const PASS_THROUGH = { scale: 1, colorize: 'OFF' } as const;

/** A distinct tiny picture per upload (random pixels), so no two items share an original; grey ones for colorize. */
async function tinyPicture(grey: boolean): Promise<Uint8Array> {
  const channels = grey ? 1 : 3;
  const pixels = new Uint8Array(48 * 32 * channels).map(() => Math.floor(Math.random() * 256));
  return new Uint8Array(
    await sharp(pixels, { raw: { width: 48, height: 32, channels } })
      .png()
      .toBuffer(),
  );
}

describe('load: 200 small-image uploads from 20 concurrent clients, a fifth through the real models, colorize killed mid-run', () => {
  let system: TestStack;
  let stack: LocalStack;
  let nc: NatsConnection;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  /** Webhook POSTs answered 200, per media id. */
  const posts = new Map<string, number>();
  const hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { mediaId } = JSON.parse(body) as { mediaId: string };
      posts.set(mediaId, (posts.get(mediaId) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });
  before(async () => {
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    otlp = await startOtlpReceiver();
    system = await startTestStack('load', {
      env: {
        REVIVE_STAGE_CONCURRENCY: '4',
        // Half the default (60 s). At 5 s, colorize here (handlings of 7–17 s, four at once on two
        // shared cores) had messages redelivered while it still worked on them, its heartbeats
        // not reaching the server in time, and handled ~18 items twice: the audit below caught it.
        REVIVE_ACK_WAIT_SECONDS: '30',
        REVIVE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        REVIVE_WEBHOOK_ALLOW_PRIVATE: 'true',
        // Each finished handling and object write is a span: the audit of work done twice reads them.
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BSP_MAX_QUEUE_SIZE: '8192',
      },
    });
    stack = system.stack;
    nc = await connect(stack.natsAdmin);
  });
  after(async () => {
    await nc?.close();
    await system?.stop();
    await otlp?.close();
    await new Promise<void>((r) => hooks.close(() => r()));
    // Which process handled what, and when: what to read when the audit finds work done twice.
    const handlings = otlp?.spans.filter((s) => s.name.endsWith(' handle') || s.name.endsWith(' process')) ?? [];
    await writeFile(join(ARTIFACTS, 'load.e2e.handlings.json'), JSON.stringify(handlings));
  });

  it(
    'completes every upload once: no failures, nothing lost, no work, record or webhook twice; prints throughput and p95 latency',
    { timeout: 300_000 },
    async () => {
      // One user per client, as 20 people would be (and each within the per-user rate limits).
      const tokens: string[] = [];
      for (let i = 0; i < CLIENTS; i += 5)
        tokens.push(...(await Promise.all(Array.from({ length: 5 }, (_, j) => stack.createUser(`load-${i + j}`)))).map((u) => u.token));
      const inference = (n: number) => n % INFERENCE_EVERY === 0;
      const pictures = await Promise.all(
        Array.from({ length: CLIENTS * UPLOADS_PER_CLIENT }, (_, i) => tinyPicture(inference(i % UPLOADS_PER_CLIENT))),
      );
      const callbackUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/load`;

      // The moment each item's final event reaches the stream, seen on core NATS.
      const settledAt = new Map<string, { at: number; subject: string }>();
      const watch = async (subject: string) => {
        for await (const m of nc.subscribe(subject)) {
          const { mediaId } = m.json() as { mediaId: string };
          if (!settledAt.has(mediaId)) settledAt.set(mediaId, { at: performance.now(), subject });
        }
      };
      void watch(Subjects.imagePublished);
      void watch(Subjects.mediaFailed);

      // SIGKILL colorize the moment it starts on the KILL_AT_INFERENCE_ITEM-th inference item: it
      // holds that message (and any others in flight), unacknowledged, when it dies.
      const inferenceIds = new Set<string>();
      const colorizing = new Set<string>();
      let kill: { pid: number; at: number; done: Promise<void> } | undefined;
      const progress = nc.subscribe(ProgressSubjects.all, {
        callback: (_, m) => {
          const p = m.json() as { mediaId: string; stage: string };
          if (kill || p.stage !== 'colorize' || !inferenceIds.has(p.mediaId)) return;
          colorizing.add(p.mediaId);
          if (colorizing.size < KILL_AT_INFERENCE_ITEM) return;
          const pid = stack.services.colorize.pid!;
          kill = { pid, at: performance.now(), done: stack.services.colorize.crashAndRestart() };
        },
      });
      await nc.flush();

      const uploadedAt = new Map<string, number>();
      const owner = new Map<string, string>();
      const refused: string[] = [];
      const webhookIds: string[] = [];
      const started = performance.now();
      await Promise.all(
        tokens.map(async (token, client) => {
          for (let n = 0; n < UPLOADS_PER_CLIENT; n++) {
            const picture = pictures[client * UPLOADS_PER_CLIENT + n]!;
            const options = {
              ...(inference(n) ? INFERENCE : PASS_THROUGH),
              ...(n % WEBHOOK_EVERY === 3 ? { callbackUrl } : { callbackUrl: undefined }),
            };
            const sent = performance.now();
            const response = await uploadFile(stack.graphqlUrl, `c${client}-${n}.png`, options, picture, { token });
            if (response.errors?.length) {
              refused.push(`${response.errors[0]!.extensions?.code}: ${response.errors[0]!.message}`);
              continue;
            }
            const id = response.data!.uploadMedia.id;
            if (inference(n)) inferenceIds.add(id);
            if (options.callbackUrl) webhookIds.push(id);
            uploadedAt.set(id, sent);
            owner.set(id, token);
          }
        }),
      );
      const uploadSeconds = (performance.now() - started) / 1000;
      assert.deepEqual(refused, [], 'every upload is accepted');
      const accepted = [...uploadedAt.keys()];

      // The client's view: each user's list until every accepted item is COMPLETED or FAILED (the
      // gateway projects the final event into PostgreSQL).
      const seenAt = new Map<string, { at: number; status: string; code: string | null }>();
      const lastSeen = new Map<string, string>();
      const byOwner = new Set(owner.values());
      await pollUntil(
        async () => {
          await Promise.all(
            [...byOwner].map(async (token) => {
              const { data } = await query<{
                medias: { edges: Array<{ node: { id: string; status: string; error: { code: string } | null } }> };
              }>(
                stack.graphqlUrl,
                `{ medias(first: ${UPLOADS_PER_CLIENT}) { edges { node { id status error { code } } } } }`,
                {},
                { token },
              );
              for (const { node } of data?.medias.edges ?? []) {
                lastSeen.set(node.id, node.status);
                if (!seenAt.has(node.id) && (node.status === 'COMPLETED' || node.status === 'FAILED'))
                  seenAt.set(node.id, { at: performance.now(), status: node.status, code: node.error?.code ?? null });
              }
            }),
          );
          return seenAt.size;
        },
        (settled) => settled >= accepted.length,
        {
          what: `all ${accepted.length} accepted items to settle`,
          timeoutMs: 200_000,
          describe: (settled) =>
            `${settled} settled; unsettled: ${accepted
              .filter((id) => !seenAt.has(id))
              .slice(0, 10)
              .map((id) => `${id} ${lastSeen.get(id) ?? 'not listed'} (${settledAt.get(id)?.subject ?? 'no final event'})`)
              .join(', ')}`,
        },
      );
      progress.unsubscribe();
      const seconds = (Math.max(...[...seenAt.values()].map((s) => s.at)) - started) / 1000;
      const pipelineSeconds = (Math.max(...[...settledAt.values()].map((s) => s.at)) - started) / 1000;
      const failed = accepted.filter((id) => seenAt.get(id)!.status !== 'COMPLETED').map((id) => `${id}: ${seenAt.get(id)!.code}`);
      const latencies = accepted.map((id) => (seenAt.get(id)!.at - uploadedAt.get(id)!) / 1000);
      const pipelineLatencies = accepted
        .filter((id) => settledAt.has(id))
        .map((id) => (settledAt.get(id)!.at - uploadedAt.get(id)!) / 1000);
      assert.ok(kill, `colorize was killed (it started on ${colorizing.size} of ${inferenceIds.size} inference items)`);
      await within(kill.done, { what: 'colorize to restart after the kill', timeoutMs: 60_000, lastSeen: () => 'not restarted' });

      // Webhooks: each asked-for one POSTed; then the spans of the last handlings reach the receiver.
      await pollUntil(
        async () => webhookIds.filter((id) => !posts.has(id)),
        (missing) => missing.length === 0,
        {
          what: 'a webhook POST for each item that asked for one',
          timeoutMs: 30_000,
          describe: (missing) => `none yet for ${missing.join(', ')}`,
        },
      );
      const work = await settledImageWorkAudit(otlp.spans, accepted, [kill.pid]);
      const records = await auditRecords({ nats: stack.natsAdmin, databaseUrl: stack.databaseUrl, ids: accepted, posts });

      const seconds2 = (values: number[], p: number) => Number(percentile(values, p).toFixed(2));
      const report = {
        clients: CLIENTS,
        accepted: accepted.length,
        completed: accepted.length - failed.length,
        failed: failed.length,
        withInference: inferenceIds.size,
        webhooks: webhookIds.length,
        killed: { stage: 'colorize', afterSeconds: Number(((kill.at - started) / 1000).toFixed(1)) },
        redelivered: Object.fromEntries(work.redelivered),
        redoneAfterKill: work.redoneAfterKill,
        handled: Object.fromEntries(work.handled),
        objectWrites: work.writes,
        records: { events: records.events, projected: records.projected, failures: records.failures, deliveries: records.deliveries },
        uploadSeconds: Number(uploadSeconds.toFixed(1)),
        totalSeconds: Number(seconds.toFixed(1)),
        throughputItemsPerSecond: Number((accepted.length / seconds).toFixed(2)),
        // Upload sent → the client's query shows the item settled (polled every ~250 ms).
        latencySeconds: { p50: seconds2(latencies, 50), p95: seconds2(latencies, 95), max: seconds2(latencies, 100) },
        // Upload sent → the final event reached the stream (before the gateway's projection).
        pipelineSeconds: Number(pipelineSeconds.toFixed(1)),
        pipelineLatencySeconds: {
          p50: seconds2(pipelineLatencies, 50),
          p95: seconds2(pipelineLatencies, 95),
          max: seconds2(pipelineLatencies, 100),
        },
      };
      console.log(`load: ${JSON.stringify(report)}`);
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(join(ARTIFACTS, 'load.e2e.json'), `${JSON.stringify(report, null, 2)}\n`);

      assert.equal(accepted.length, CLIENTS * UPLOADS_PER_CLIENT);
      assert.deepEqual(failed, [], 'every accepted item completes, the killed stage notwithstanding');
      assert.ok((work.redelivered.get('colorize') ?? 0) >= 1, 'colorize held messages when it was killed: they were redelivered');
      // Nothing twice: no input handled to completion twice, no object written twice, no event,
      // projection row, failure row or webhook recorded or POSTed twice.
      assert.deepEqual(work.problems, [], 'no work done twice');
      assert.deepEqual(records.problems, [], 'no event, record or webhook twice');
      // The audit saw the work it vouches for: every item handled by every stage it passes. The
      // killed process's last spans die unexported with it, so colorize may show a few short.
      for (const stage of stagesOf('image'))
        if (stage !== 'colorize') assert.equal(work.handled.get(stage), accepted.length, `${stage} handlings seen`);
      assert.ok((work.handled.get('colorize') ?? 0) >= accepted.length - 20, `colorize handlings seen: ${work.handled.get('colorize')}`);
      assert.equal(records.events, accepted.length * (stagesOf('image').length + 1), 'uploaded plus one event per stage, per item');
      assert.deepEqual(
        webhookIds.filter((id) => posts.get(id) !== 1),
        [],
        'one webhook POST per item that asked for one',
      );
    },
  );
});
