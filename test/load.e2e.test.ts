import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import sharp from 'sharp';
import { defaultStateDir } from '@revive/config';
import { Subjects } from '@revive/contracts';
import { startLocalStack, type LocalStack } from '@revive/local-services';
import { query, uploadFile } from './support/graphql-client.ts';
import { eventCounts, percentile } from './support/pipeline-audit.ts';

const artifacts = resolve(import.meta.dirname, '../test-artifacts');
const CLIENTS = 20;
const UPLOADS_PER_CLIENT = 10;

/** A distinct tiny picture per upload (random pixels), so no two items share an original. */
async function tinyPicture(): Promise<Uint8Array> {
  const pixels = new Uint8Array(48 * 32 * 3).map(() => Math.floor(Math.random() * 256));
  return new Uint8Array(
    await sharp(pixels, { raw: { width: 48, height: 32, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

describe('load: 200 small-image uploads from 20 concurrent clients against the whole stack', () => {
  let stack: LocalStack;
  let stateDir: string;
  let nc: NatsConnection;
  const logs: string[] = [];
  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'revive-e2e-load-'));
    stack = await startLocalStack({
      stateDir,
      persistent: false,
      env: {
        REVIVE_MODELS_DIRS: join(defaultStateDir, 'models'),
        REVIVE_INFERENCE_THREADS: '1',
        REVIVE_STAGE_CONCURRENCY: '4',
      },
      onLine: (line) => logs.push(line),
    });
    nc = await connect(stack.natsAdmin);
  });
  after(async () => {
    await nc?.close();
    await stack?.stop();
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'load.e2e.log'), logs.join('\n'));
    await rm(stateDir, { recursive: true, force: true });
  });

  it(
    'accepts every upload; accepted = completed + typed failures, nothing lost, nothing twice; prints throughput and p95 latency',
    { timeout: 240_000 },
    async () => {
      // One user per client, as 20 people would be (and each within the per-user rate limits).
      const tokens: string[] = [];
      for (let i = 0; i < CLIENTS; i += 5)
        tokens.push(...(await Promise.all(Array.from({ length: 5 }, (_, j) => stack.createUser(`load-${i + j}`)))).map((u) => u.token));
      const pictures = await Promise.all(Array.from({ length: CLIENTS * UPLOADS_PER_CLIENT }, tinyPicture));

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
      await nc.flush();

      const uploadedAt = new Map<string, number>();
      const owner = new Map<string, string>();
      const refused: string[] = [];
      const started = performance.now();
      await Promise.all(
        tokens.map(async (token, client) => {
          for (let n = 0; n < UPLOADS_PER_CLIENT; n++) {
            const picture = pictures[client * UPLOADS_PER_CLIENT + n]!;
            const sent = performance.now();
            const response = await uploadFile(stack.graphqlUrl, `c${client}-${n}.png`, { scale: 1, colorize: 'OFF' }, picture, { token });
            if (response.errors?.length) {
              refused.push(`${response.errors[0]!.extensions?.code}: ${response.errors[0]!.message}`);
              continue;
            }
            uploadedAt.set(response.data!.uploadMedia.id, sent);
            owner.set(response.data!.uploadMedia.id, token);
          }
        }),
      );
      const uploadSeconds = (performance.now() - started) / 1000;
      assert.deepEqual(refused, [], 'every upload is accepted');
      const accepted = [...uploadedAt.keys()];

      // The pipeline's view: each item's final event on the stream.
      const deadline = Date.now() + 150_000;
      while (accepted.some((id) => !settledAt.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const pipelineSeconds = (Math.max(...[...settledAt.values()].map((s) => s.at)) - started) / 1000;

      // The client's view: each user's list until every accepted item is COMPLETED, or FAILED with a
      // typed reason (the gateway projects the final event into PostgreSQL).
      const seenAt = new Map<string, { at: number; status: string; code: string | null }>();
      const byOwner = new Set(owner.values());
      while (seenAt.size < accepted.length && Date.now() < deadline) {
        await Promise.all(
          [...byOwner].map(async (token) => {
            const { data } = await query<{
              medias: { edges: Array<{ node: { id: string; status: string; error: { code: string } | null } }> };
            }>(stack.graphqlUrl, `{ medias(first: ${UPLOADS_PER_CLIENT}) { edges { node { id status error { code } } } } }`, {}, { token });
            for (const { node } of data?.medias.edges ?? []) {
              if (!seenAt.has(node.id) && (node.status === 'COMPLETED' || node.status === 'FAILED'))
                seenAt.set(node.id, { at: performance.now(), status: node.status, code: node.error?.code ?? null });
            }
          }),
        );
        await new Promise((r) => setTimeout(r, 250));
      }
      const seconds = (Math.max(...[...seenAt.values()].map((s) => s.at)) - started) / 1000;
      const completed = [...seenAt.values()].filter((s) => s.status === 'COMPLETED').length;
      const failed = [...seenAt.values()].filter((s) => s.status === 'FAILED' && s.code).length;
      const lost = accepted.filter((id) => !seenAt.has(id)).map((id) => `${id}: ${settledAt.get(id)?.subject ?? 'no final event'}`);
      const latencies = accepted.filter((id) => seenAt.has(id)).map((id) => (seenAt.get(id)!.at - uploadedAt.get(id)!) / 1000);
      const pipelineLatencies = accepted
        .filter((id) => settledAt.has(id))
        .map((id) => (settledAt.get(id)!.at - uploadedAt.get(id)!) / 1000);
      const seconds2 = (values: number[], p: number) => Number(percentile(values, p).toFixed(2));
      const report = {
        clients: CLIENTS,
        accepted: accepted.length,
        completed,
        typedFailures: failed,
        lost: lost.length,
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
      await mkdir(artifacts, { recursive: true });
      await writeFile(join(artifacts, 'load.e2e.json'), `${JSON.stringify(report, null, 2)}\n`);

      assert.equal(accepted.length, CLIENTS * UPLOADS_PER_CLIENT);
      assert.deepEqual(lost, [], 'no accepted item is lost');
      assert.equal(completed + failed, accepted.length);
      // Nothing twice: every item's events reached the stream once each.
      const counts = await eventCounts(stack.natsAdmin);
      for (const id of accepted) for (const [subject, n] of counts.get(id) ?? []) assert.equal(n, 1, `${subject} ×${n} for ${id}`);
    },
  );
});
