import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { FLOW, Streams, Subjects } from '@revive/contracts';
import type { LocalStack } from '@revive/local-services';
import { verifyWebhook } from '@revive/gateway';
import { pollUntil } from './support/bounded-wait.ts';
import { query, uploadFile, waitForMedia, MEDIA_FIELDS, type CallOptions } from './support/graphql-client.ts';
import { streamEvents } from './support/pipeline-audit.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures/images');
const greyPhoto = join(fixtures, 'brooklyn-bridge-1880s-grey-160.jpg');
const colourPhoto = join(fixtures, 'garden-410x256.jpg');
const WEBHOOK_SECRET = 'e2e-webhook-secret-with-at-least-32-characters';
const MAX_DELIVER = 2;

interface MediaState {
  status: string;
  stages: Array<{ stage: string; status: string }>;
  error: { code: string; stage: string; attempt: number } | null;
  failures: Array<{ stage: string; code: string; attempt: number; at: string }>;
}

describe('retryMedia, cancelMedia and signed webhooks end to end (real nats-server, PostgreSQL, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let call: CallOptions;
  const hooks: Array<{ body: string; signature: string | undefined; status: number }> = [];
  let hookFailures = 1;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = hookFailures-- > 0 ? 500 : 200;
      hooks.push({ body, signature: req.headers['revive-signature'] as string | undefined, status });
      res.writeHead(status).end();
    });
  });

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    system = await startTestStack('retry-cancel-webhooks', {
      env: {
        REVIVE_ACK_WAIT_SECONDS: '5',
        REVIVE_MAX_DELIVER: String(MAX_DELIVER),
        REVIVE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        REVIVE_WEBHOOK_ALLOW_PRIVATE: 'true',
      },
    });
    ({ stack, stateDir } = system);
    call = { token: stack.token };
  });
  after(async () => {
    await system?.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const objectsOf = async (id: string) => (await readdir(join(stateDir, 'objects', 'media', id)).catch(() => [] as string[])).sort();
  async function mediaOf(id: string): Promise<MediaState> {
    const { data, errors } = await query<{ media: MediaState }>(
      stack.graphqlUrl,
      `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} failures { stage code attempt at } } }`,
      { id },
      call,
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.media;
  }
  async function until(id: string, check: (m: MediaState) => boolean, what: string, timeoutMs = 90_000): Promise<MediaState> {
    const fields = `${MEDIA_FIELDS} failures { stage code attempt at }`;
    return (await waitForMedia<MediaState>(stack.graphqlUrl, id, call, (m) => !!m && check(m), {
      what,
      timeoutMs,
      fields,
      intervalMs: 200,
    }))!;
  }
  const stageStatus = (m: MediaState, stage: string) => m.stages.find((s) => s.stage === stage)?.status;

  it('a failed item shows stage, code and attempt, is listed in failures, and retryMedia completes it', async () => {
    // Hold colorize, spoil the preprocessed intermediate so colorize cannot read it, then let it run.
    // Repair OFF hands that intermediate on unread: colorize is the first stage to read it, and the one to fail.
    stack.services.colorize.pause();
    let id: string;
    let spoiled: { path: string; bytes: Buffer };
    try {
      const upload = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 1, colorize: 'ON', repair: 'OFF' }, undefined, call);
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      id = upload.data!.uploadMedia.id;
      await until(id, (m) => stageStatus(m, 'PREPROCESS') === 'DONE', 'preprocess');
      const [intermediate] = (await objectsOf(id)).filter((f) => !f.startsWith('original'));
      assert.ok(intermediate, 'preprocess wrote an intermediate');
      const path = join(stateDir, 'objects', 'media', id, intermediate);
      spoiled = { path, bytes: await readFile(path) };
      // Truncated: colorize refuses it as poison (a typed code), as a real corrupt intermediate would be.
      await writeFile(path, spoiled.bytes.subarray(0, Math.floor(spoiled.bytes.length / 2)));
    } finally {
      stack.services.colorize.resume();
    }
    const failed = await until(id, (m) => m.status === 'FAILED', 'the item to fail');
    assert.equal(failed.error?.stage, 'COLORIZE');
    assert.match(failed.error?.code ?? '', /^[A-Z][A-Z0-9_]*$/);
    assert.ok(failed.failures.length >= 1, 'the failure is in the item history');
    const first = failed.failures[0]!;
    assert.equal(first.stage, 'COLORIZE');
    assert.deepEqual([first.code, first.attempt], [failed.error?.code, failed.error?.attempt]);
    assert.ok(first.attempt >= 1 && first.attempt <= MAX_DELIVER);

    const { data: listed } = await query<{
      failures: {
        totalCount: number;
        byStageAndCode: Array<{ stage: string; code: string; count: number }>;
        edges: Array<{ node: { mediaId: string } }>;
      };
    }>(
      stack.graphqlUrl,
      '{ failures(stage: COLORIZE, first: 10) { totalCount byStageAndCode { stage code count } edges { node { mediaId } } } }',
      {},
      call,
    );
    assert.ok(listed!.failures.edges.some((e) => e.node.mediaId === id));
    assert.ok(listed!.failures.byStageAndCode.some((c) => c.stage === 'COLORIZE' && c.code === first.code && c.count >= 1));

    // Repair the intermediate (the cause went away) and retry: the item restarts at colorize and completes.
    await writeFile(spoiled!.path, spoiled!.bytes);
    const retried = await query<{ retryMedia: { status: string } }>(
      stack.graphqlUrl,
      'mutation ($id: ID!) { retryMedia(id: $id) { status } }',
      { id },
      call,
    );
    assert.equal(retried.errors, undefined, JSON.stringify(retried.errors));
    assert.equal(retried.data!.retryMedia.status, 'PROCESSING');
    const done = await until(id, (m) => m.status === 'COMPLETED' || m.status === 'FAILED', 'the retried item to finish');
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done));
    assert.equal(done.failures.length, failed.failures.length, 'the failure history is kept');

    const again = await query(stack.graphqlUrl, 'mutation ($id: ID!) { retryMedia(id: $id) { status } }', { id }, call);
    assert.equal(again.errors?.[0]?.extensions?.code, 'INVALID_STATE');
  });

  it('cancelMedia stops a slow item: CANCELLED, the next stage skips it, intermediates deleted, original kept', async () => {
    stack.services.superres.pause();
    let id: string;
    try {
      const upload = await uploadFile(stack.graphqlUrl, colourPhoto, { scale: 4, colorize: 'OFF', repair: 'OFF' }, undefined, call);
      id = upload.data!.uploadMedia.id;
      await until(id, (m) => stageStatus(m, 'COLORIZE') === 'SKIPPED' || stageStatus(m, 'COLORIZE') === 'DONE', 'colorize');
      const cancelled = await query<{ cancelMedia: { status: string } }>(
        stack.graphqlUrl,
        'mutation ($id: ID!) { cancelMedia(id: $id) { status } }',
        { id },
        call,
      );
      assert.equal(cancelled.errors, undefined, JSON.stringify(cancelled.errors));
      assert.equal(cancelled.data!.cancelMedia.status, 'CANCELLED');
    } finally {
      stack.services.superres.resume();
    }
    // Superres skipped it: its consumer settled the item's message (nothing left pending or
    // unacknowledged) and nothing of superres came of it, on the stream or in the store. The
    // projection's PENDING alone would say the same of a cancelled item that superres did process.
    const superres = FLOW.image.find((h) => h.stage === 'superres')!;
    const nc = await connect(stack.natsAdmin);
    try {
      const jsm = await nc.jetstreamManager();
      await pollUntil(
        () => jsm.consumers.info(Streams.media, superres.consumer),
        (info) => info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0,
        {
          what: `superres to settle the cancelled item ${id}'s message`,
          timeoutMs: 60_000,
          describe: (info) => `${info.num_pending} pending, ${info.num_ack_pending} unacknowledged`,
        },
      );
    } finally {
      await nc.close();
    }
    const events = (await streamEvents(stack.natsAdmin)).filter((e) => e.mediaId === id).map((e) => e.subject);
    assert.ok(events.includes(superres.consumes), 'superres was handed the item');
    // Not a failure either: a stage that worked on anyway would find its input deleted by the
    // cancel and fail the item with INPUT_MISSING; skipping publishes nothing at all.
    assert.deepEqual(
      events.filter((s) => s === superres.emits || s === Subjects.imagePublished || s === Subjects.mediaFailed),
      [],
      'no superresolved, published or failed event for the cancelled item',
    );
    const m = await mediaOf(id);
    assert.equal(m.status, 'CANCELLED');
    assert.equal(stageStatus(m, 'SUPERRES'), 'PENDING');
    assert.equal(stageStatus(m, 'PUBLISH'), 'PENDING');
    assert.deepEqual(
      (await objectsOf(id)).filter((f) => f.startsWith(`${superres.stage}.`)),
      [],
      "no superres output under the item's prefix",
    );
    assert.deepEqual(
      // The original and its preview stay: the library still shows what was uploaded.
      (await objectsOf(id)).filter((f) => !f.startsWith('original.') && !f.startsWith('original-preview.')),
      [],
      'intermediates deleted',
    );
    assert.equal((await objectsOf(id)).filter((f) => /^original\.[a-z0-9]+$/.test(f)).length, 1, 'original kept');
    const twice = await query(stack.graphqlUrl, 'mutation ($id: ID!) { cancelMedia(id: $id) { status } }', { id }, call);
    assert.equal(twice.errors?.[0]?.extensions?.code, 'INVALID_STATE');
  });

  it('POSTs a signed webhook on completion to the callback URL, retried after a 500', async () => {
    hooks.length = 0;
    hookFailures = 1;
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/revive`;
    const upload = await uploadFile(
      stack.graphqlUrl,
      colourPhoto,
      { scale: 1, colorize: 'OFF', repair: 'OFF', callbackUrl },
      undefined,
      call,
    );
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;
    await until(id, (m) => m.status === 'COMPLETED', 'completion');
    const deadline = Date.now() + 20_000;
    while (hooks.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      hooks.map((h) => h.status),
      [500, 200],
      'the 500 was retried',
    );
    for (const h of hooks) assert.equal(verifyWebhook(WEBHOOK_SECRET, h.body, h.signature), true, 'signature verifies');
    const payload = JSON.parse(hooks[1]!.body) as { mediaId: string; status: string; resultUrl?: string; at: string };
    assert.deepEqual([payload.mediaId, payload.status], [id, 'COMPLETED']);
    assert.match(payload.resultUrl ?? '', /^http/);

    const refused = await uploadFile(stack.graphqlUrl, colourPhoto, { callbackUrl: 'ftp://example.com/x' }, undefined, call);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
