import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LocalStack } from '@revive/local-services';
import { uploadFile } from './support/graphql-client.ts';
import { waitForAll } from './support/stall-report.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const ACK_WAIT_SECONDS = 5;
const SERVER_PING_SECONDS = 1;

/**
 * A stage process frozen (SIGSTOP: a GC pause, a stopped container, a suspended VM) for longer
 * than its ack wait and than nats-server's patience (two unanswered pings), in the middle of a
 * backlog: the server drops its connection and redelivers what it held; thawed, the stage must
 * reconnect, take up its consumer again and finish every item.
 */
describe('a stage frozen past its ack wait and the server ping interval, under load', () => {
  let system: TestStack;
  let stack: LocalStack;
  let logs: string[];

  before(async () => {
    system = await startTestStack('paused-stage', {
      natsPingIntervalSeconds: SERVER_PING_SECONDS,
      env: {
        REVIVE_ACK_WAIT_SECONDS: String(ACK_WAIT_SECONDS),
        REVIVE_MAX_DELIVER: '10',
        REVIVE_LOG_LEVEL: 'debug',
      },
      serviceInLines: true,
    });
    ({ stack, logs } = system);
  });
  after(() => system?.stop());

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
