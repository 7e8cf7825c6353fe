import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from 'nats';
import { messageId, Subjects } from '@revive/contracts';
import { startNatsServer } from '@revive/testing';
import { hopUnderTest, passedOn, preprocessed } from './consumer-loop.fixture.ts';
import { runStage, type StageHandlers } from './stage-runner.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runStage on a real nats-server', () => {
  it('boots through a server that is down for longer than a request timeout, then takes work', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    try {
      // A stage (re)started while its server restarts, or while a cluster elects leaders.
      await server.kill('SIGKILL');
      const handled: string[] = [];
      const handlers = {
        image: async (event: Parameters<typeof passedOn>[0]) => {
          handled.push(event.mediaId);
          return passedOn(event);
        },
        video: async () => ({ kind: 'done', next: [] }),
      } as unknown as StageHandlers<typeof hopUnderTest.stage>;
      const booting = runStage({
        stage: hopUnderTest.stage,
        nc,
        handlers,
        concurrency: 1,
        ackWaitMs: 5000,
        maxDeliver: 3,
        backlogPollMs: 0,
      });
      // Longer than nats.js's 5 s request timeout: the boot cannot simply be answered late.
      await sleep(6500);
      await server.relaunch();
      const stage = await booting;
      try {
        const id = '00000000-0000-4000-8000-0000000000e1';
        await nc.jetstream().publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
        for (const deadline = Date.now() + 10_000; !handled.includes(id) && Date.now() < deadline;) await sleep(50);
        assert.deepEqual(handled, [id], 'the booted stage took the item');
      } finally {
        await stage.stop();
      }
    } finally {
      await nc.drain();
      await server.stop();
    }
  });
});
