import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, type JsMsg } from 'nats';
import { Streams, Subjects } from '@revive/contracts';
import { startMediaStreamFixture, type MediaStreamFixture } from './consumer-loop.fixture.ts';
import { consumeDurable } from './durable-consume.ts';

describe('consumeDurable: bounded work, ordered per key', () => {
  let fx: MediaStreamFixture;
  before(async () => {
    fx = await startMediaStreamFixture();
  });
  after(async () => fx?.stop());

  it('never runs more than `concurrency` handlers, keeps each key in stream order, and stop() waits for the work in hand', async () => {
    const consumer = 'ordered-reader';
    const ensure = async () =>
      void (await fx.jsm.consumers.add(Streams.media, {
        durable_name: consumer,
        filter_subject: Subjects.imageUploaded,
        ack_policy: AckPolicy.Explicit,
      }));
    await ensure();
    const keys = ['a', 'b', 'c', 'd'];
    const perKey = 5;
    // A key's messages stand together in the stream, so several of them are taken at once: only
    // the per-key order keeps the later, quicker ones from finishing first.
    for (const key of keys)
      for (let i = 0; i < perKey; i++) await fx.js.publish(Subjects.imageUploaded, JSON.stringify({ mediaId: key, i }));

    const seen = new Map<string, number[]>();
    let running = 0;
    let mostAtOnce = 0;
    const errors: unknown[] = [];
    let handled = 0;
    let everyMessageHandled!: () => void;
    const allHandled = new Promise<void>((resolve) => (everyMessageHandled = resolve));
    const consuming = consumeDurable({
      nc: fx.nc,
      stream: Streams.media,
      consumer,
      maxMessages: 8,
      ensure,
      concurrency: 3,
      orderKey: (msg: JsMsg) => (msg.json() as { mediaId: string }).mediaId,
      async handle(msg) {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        const { mediaId, i } = msg.json() as { mediaId: string; i: number };
        // Later messages of a key finish sooner if they are let run early: order must not depend on luck.
        await sleep(5 * (perKey - i));
        seen.set(mediaId, [...(seen.get(mediaId) ?? []), i]);
        await msg.ackAck();
        running--;
        if (++handled === keys.length * perKey) everyMessageHandled();
      },
      onHandleError: (error) => errors.push(error),
      onInterrupted: (error) => errors.push(error),
    });
    const waited = setTimeout(() => everyMessageHandled(), 15_000);
    await allHandled;
    clearTimeout(waited);
    assert.equal(handled, keys.length * perKey, `only ${handled} of ${keys.length * perKey} messages were handled within 15 s`);
    await consuming.stop();
    assert.deepEqual(errors, []);
    assert.ok(mostAtOnce <= 3, `${mostAtOnce} handlers ran at once; the bound is 3`);
    assert.ok(mostAtOnce >= 2, 'different keys ran side by side');
    for (const key of keys) assert.deepEqual(seen.get(key), [0, 1, 2, 3, 4], `messages of ${key} out of stream order`);
    const info = await fx.jsm.consumers.info(Streams.media, consumer);
    assert.equal(info.num_ack_pending, 0);
  });
});
