import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { messageId, MEDIA_STREAM_SUBJECTS, Streams, Subjects } from '@revive/contracts';
import { startNatsServer, type RunningNatsServer } from './nats-server.ts';

describe('nats-server with JetStream (real, loopback)', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;
  before(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  after(async () => {
    await nc?.drain();
    await server?.stop();
  });

  it('drops a duplicate publish of the same (media, stage) message id', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name: Streams.media,
      subjects: [...MEDIA_STREAM_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 120e9,
    });
    const js = nc.jetstream();
    const mediaId = '3f1c2a8e-5b7d-4c1e-9a2b-0d6e8f4a1b2c';
    const first = await js.publish(Subjects.imagePreprocessed, JSON.stringify({ mediaId }), { msgID: messageId(mediaId, 'preprocess') });
    const again = await js.publish(Subjects.imagePreprocessed, JSON.stringify({ mediaId }), { msgID: messageId(mediaId, 'preprocess') });
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.seq, first.seq);
    await jsm.consumers.add(Streams.media, {
      durable_name: 'colorize-image',
      filter_subject: Subjects.imagePreprocessed,
      ack_policy: AckPolicy.Explicit,
    });
    const info = await jsm.consumers.info(Streams.media, 'colorize-image');
    assert.equal(info.num_pending, 1, 'one message for the stage, not two');
  });
});
