import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultStateDir } from '@revive/config';
import { startLocalStack, type LocalStack } from '@revive/local-services';
import { uploadFile } from './support/graphql-client.ts';
import { waitForAll } from './support/stall-report.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const artifacts = resolve(import.meta.dirname, '../test-artifacts');
const ACK_WAIT_SECONDS = 5;
const SERVER_PING_SECONDS = 1;

/**
 * A stage process frozen (SIGSTOP: a GC pause, a stopped container, a suspended VM) for longer
 * than its ack wait and than nats-server's patience (two unanswered pings), in the middle of a
 * backlog: the server drops its connection and redelivers what it held; thawed, the stage must
 * reconnect, take up its consumer again and finish every item.
 */
describe('a stage frozen past its ack wait and the server ping interval, under load', () => {
  let stack: LocalStack;
  let stateDir: string;
  const logs: string[] = [];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'revive-e2e-pause-'));
    stack = await startLocalStack({
      stateDir,
      persistent: false,
      natsPingIntervalSeconds: SERVER_PING_SECONDS,
      env: {
        REVIVE_MODELS_DIRS: join(defaultStateDir, 'models'),
        REVIVE_INFERENCE_THREADS: '1',
        REVIVE_ACK_WAIT_SECONDS: String(ACK_WAIT_SECONDS),
        REVIVE_MAX_DELIVER: '10',
        REVIVE_LOG_LEVEL: 'debug',
      },
      onLine: (line, service) => logs.push(`${service} ${line}`),
    });
  });
  after(async () => {
    await stack?.stop();
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'paused-stage.e2e.log'), logs.join('\n'));
    await rm(stateDir, { recursive: true, force: true });
  });

  it('finishes every item after preprocess was frozen mid-backlog for three times its ack wait', { timeout: 240_000 }, async () => {
    const call = { token: stack.token };
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) {
      const upload = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 1, colorize: 'OFF' }, undefined, call);
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      ids.push(upload.data!.uploadMedia.id);
    }
    // Frozen while it works through the backlog, holding a delivery it has not acknowledged.
    const preprocess = stack.services.preprocess;
    await preprocess.waitForLog(/"msg":"image preprocessed"/, 60_000);
    preprocess.pause();
    try {
      await new Promise((r) => setTimeout(r, ACK_WAIT_SECONDS * 3000));
    } finally {
      preprocess.resume();
    }
    await waitForAll(stack, ids, call, { timeoutMs: 120_000 });
    // The freeze outlasted the server's patience: it dropped the connection, and the stage came back.
    assert.ok(
      logs.some((l) => l.startsWith('preprocess') && /NATS reconnect/.test(l)),
      'preprocess reconnected after the freeze',
    );
  });
});
