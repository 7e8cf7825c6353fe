import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, DeliverPolicy, type NatsConnection } from 'nats';
import postgres, { type Sql } from 'postgres';
import { messageId, Streams, Subjects, type EnhanceOptions } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { ensureMediaStream } from '@revive/messaging';
import { startNatsServer, startPostgres, type RunningNatsServer, type RunningPostgres } from '@revive/testing';
import { createAdmission, type Admission } from './admission.ts';
import { createAccountRepository } from './auth/index.ts';
import { createAdmissionRepository, createMediaRepository, migrate, type MediaRepository } from './persistence/index.ts';

const options: EnhanceOptions = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 };
const LIMIT = 2;
const log = createLogger('admission-spec', 'silent');

describe('per-user admission to the pipeline (real PostgreSQL and nats-server)', () => {
  let pg: RunningPostgres;
  let nats: RunningNatsServer;
  let sql: Sql;
  let nc: NatsConnection;
  let media: MediaRepository;
  let admission: Admission;

  before(async () => {
    [pg, nats] = await Promise.all([startPostgres(), startNatsServer()]);
    sql = postgres(pg.url, { max: 6, onnotice: () => {} });
    await migrate(sql);
    nc = await connect({ servers: nats.url });
    await ensureMediaStream(await nc.jetstreamManager());
    media = createMediaRepository(sql);
    admission = createAdmission({ nc, repository: createAdmissionRepository(sql), maxInFlightPerUser: LIMIT, log });
  });
  after(async () => {
    await nc?.drain();
    await sql?.end();
    await Promise.all([pg?.stop(), nats?.stop()]);
  });

  const newUser = async () => (await createAccountRepository(sql).createUser(`u-${randomUUID().slice(0, 8)}`)).id;
  async function upload(owner: string): Promise<string> {
    const id = randomUUID();
    await media.ownedBy(owner).create({
      id,
      kind: 'image',
      filename: 'a.png',
      contentType: 'image/png',
      bytes: 10,
      options,
      originalKey: `media/${id}/original.png`,
    });
    // created_at keeps milliseconds: two uploads in one millisecond are released in id order,
    // so "oldest first" is only defined for uploads at least a millisecond apart.
    await new Promise((r) => setTimeout(r, 2));
    return id;
  }
  /** The uploaded events in the stream, by media id. */
  async function uploadedIds(): Promise<string[]> {
    const jsm = await nc.jetstreamManager();
    const name = `w-${randomUUID().slice(0, 8)}`;
    await jsm.consumers.add(Streams.media, {
      name,
      filter_subject: Subjects.imageUploaded,
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.None,
    });
    const consumer = await nc.jetstream().consumers.get(Streams.media, name);
    const ids: string[] = [];
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) break;
      assert.equal(m.headers?.get('Nats-Msg-Id'), messageId(m.json<{ mediaId: string }>().mediaId, 'upload'));
      ids.push(m.json<{ mediaId: string }>().mediaId);
    }
    await jsm.consumers.delete(Streams.media, name);
    return ids;
  }
  const finish = (id: string, status: 'COMPLETED' | 'FAILED' | 'CANCELLED') => sql`UPDATE media SET status = ${status} WHERE id = ${id}`;

  it("publishes a user's uploads while they have room, keeps the rest QUEUED, and lets the next in, oldest first, as each finishes", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const a: string[] = [];
    for (let i = 0; i < 4; i++) {
      a.push(await upload(alice));
      await admission.release(alice);
    }
    const b = await upload(bob);
    assert.deepEqual(
      (await admission.release(bob)).map((m) => m.id),
      [b],
      "another user's upload is not behind alice's backlog",
    );
    let published = await uploadedIds();
    assert.deepEqual(
      published.filter((id) => a.includes(id)),
      a.slice(0, LIMIT),
    );
    assert.ok(published.includes(b));
    for (const id of a.slice(LIMIT)) assert.equal((await media.get(id))?.status, 'QUEUED');

    await finish(a[0]!, 'COMPLETED');
    await admission.releaseAfter(a[0]!);
    await finish(a[1]!, 'CANCELLED');
    await admission.releaseAfter(a[1]!);
    published = await uploadedIds();
    assert.deepEqual(
      published.filter((id) => a.includes(id)),
      a,
    );
  });

  it('keeps its state in PostgreSQL: a fresh gateway releases what waited, and two gateways releasing at once never exceed the limit', async () => {
    const carol = await newUser();
    const waiting = [await upload(carol), await upload(carol), await upload(carol)];
    // Two gateway replicas (their own admission over the same database), both told at once.
    const other = createAdmission({ nc, repository: createAdmissionRepository(sql), maxInFlightPerUser: LIMIT, log });
    const [one, two] = await Promise.all([admission.releaseAll(), other.releaseAll()]);
    assert.deepEqual([one, two], [undefined, undefined]);
    const released = (await uploadedIds()).filter((id) => waiting.includes(id));
    assert.deepEqual(released, waiting.slice(0, LIMIT));
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM media WHERE owner_id = ${carol} AND released_at IS NOT NULL`) as unknown as [
      { n: number },
    ];
    assert.equal(n, LIMIT);
  });

  it('leaves an item waiting when its event cannot be published, and releases it on a later pass', async () => {
    const dave = await newUser();
    const id = await upload(dave);
    // A gateway whose NATS connection is gone: the publish fails for real.
    const closed = await connect({ servers: nats.url });
    await closed.close();
    const broken = createAdmission({ nc: closed, repository: createAdmissionRepository(sql), maxInFlightPerUser: LIMIT, log });
    await assert.rejects(broken.release(dave), { name: 'PublishError' });
    const [{ released }] = (await sql`SELECT released_at AS released FROM media WHERE id = ${id}`) as unknown as [
      { released: Date | null },
    ];
    assert.equal(released, null);
    await admission.releaseAll();
    assert.ok((await uploadedIds()).includes(id));
  });
});
