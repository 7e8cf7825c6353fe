import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import AdmZip from 'adm-zip';
import sharp from 'sharp';
import { Buckets, Streams, Subjects } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { GatewayDeps } from './context.ts';
import { startGatewayFixture, type GatewayFixture } from './gateway.fixture.ts';
import { createMediaOperations } from './media-operations.ts';
import { createFailureRepository, createLifecycleRepository, type MediaStatus } from './persistence/index.ts';
import { createGatewayYoga, GRAPHQL_PATH } from './yoga.ts';

const ORIGIN = 'http://gateway.test:4000';

interface GraphqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

describe('the media library over yoga.fetch: delete, reprocess, downloads, archives, filters (real PostgreSQL, nats-server, filesystem store)', () => {
  let gateway: GatewayFixture;
  let yoga: ReturnType<typeof createGatewayYoga>;
  let deps: GatewayDeps;
  let auth: { authorization: string };
  let otherAuth: { authorization: string };
  let userId: string;
  let otherId: string;
  let png: Buffer;

  before(async () => {
    gateway = await startGatewayFixture({
      REVIVE_PUBLIC_URL: ORIGIN,
      REVIVE_MAX_IN_FLIGHT_PER_USER: '1',
      REVIVE_MAX_IMAGE_PIXELS: '1000000',
    });
    const log = createLogger('library-spec', 'silent');
    const lifecycle = createLifecycleRepository(gateway.sql);
    const { nc, store } = gateway;
    const base = gateway.deps;
    deps = {
      ...base,
      operations: createMediaOperations({
        nc,
        store,
        lifecycle,
        failures: createFailureRepository(gateway.sql),
        hub: base.hub,
        admission: base.admission,
        log,
      }),
    };
    yoga = createGatewayYoga(deps);
    const user = await gateway.accounts.createUser('library-spec');
    const other = await gateway.accounts.createUser('library-spec-other');
    [userId, otherId] = [user.id, other.id];
    auth = { authorization: `Bearer ${(await gateway.accounts.issueToken(user.id)).token}` };
    otherAuth = { authorization: `Bearer ${(await gateway.accounts.issueToken(other.id)).token}` };
    // Half transparent: a JPEG of it must come out on white, not black.
    png = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 0.5 } } })
      .png()
      .toBuffer();
  });
  after(() => gateway?.stop());

  async function post<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    as = auth,
  ): Promise<GraphqlResult<T>> {
    const response = await yoga.fetch(`${ORIGIN}${GRAPHQL_PATH}`, {
      method: 'POST',
      headers: { ...as, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphqlResult<T>;
  }
  const codeOf = (result: GraphqlResult) => result.errors?.[0]?.extensions?.code;

  /** An item of `owner` as the pipeline would have left it: its original, and a result and intermediates once it got that far. */
  async function item(owner: string, status: MediaStatus, filename = 'grandma.jpg', kind: 'image' | 'video' = 'image'): Promise<string> {
    const id: string = randomUUID();
    const originalKey = `media/${id}/original.png`;
    await gateway.store.put(originalKey, png, { contentType: 'image/png' });
    await deps.media.ownedBy(owner).create({
      id,
      kind,
      filename,
      contentType: kind === 'image' ? 'image/png' : 'video/mp4',
      bytes: png.length,
      options: { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 },
      originalKey,
    });
    let resultKey: string | null = null;
    if (status !== 'QUEUED') await gateway.store.put(`media/${id}/preprocess/working.png`, png, { contentType: 'image/png' });
    if (status === 'COMPLETED') {
      resultKey = kind === 'image' ? `media/${id}/result.png` : `media/${id}/result.mp4`;
      await gateway.store.put(resultKey, kind === 'image' ? png : Buffer.from('an mp4 stand-in'), {
        contentType: kind === 'image' ? 'image/png' : 'video/mp4',
      });
    }
    await gateway.sql`UPDATE media SET status = ${status}, result_key = ${resultKey}, released_at = clock_timestamp() WHERE id = ${id}`;
    return id;
  }
  const objectsOf = async (id: string) => {
    const keys: string[] = [];
    for await (const key of gateway.store.list(`media/${id}/`)) keys.push(key);
    return keys.sort();
  };

  it('filters medias by status and kind, newest first', async () => {
    const done = await item(userId, 'COMPLETED');
    const failed = await item(userId, 'FAILED');
    const video = await item(userId, 'COMPLETED', 'film.mp4', 'video');
    await item(otherId, 'COMPLETED');
    const ids = async (filter: Record<string, unknown>) =>
      (
        await post<{ medias: { edges: Array<{ node: { id: string } }> } }>(
          'query ($f: MediaFilter) { medias(first: 100, filter: $f) { edges { node { id } } } }',
          { f: filter },
        )
      ).data!.medias.edges.map((e) => e.node.id);
    const completed = await ids({ status: ['COMPLETED'] });
    assert.ok(completed.includes(done) && completed.includes(video) && !completed.includes(failed));
    assert.deepEqual(await ids({ status: ['COMPLETED'], kind: 'VIDEO' }), [video]);
    const either = await ids({ status: ['COMPLETED', 'FAILED'], kind: 'IMAGE' });
    assert.deepEqual(
      either.filter((id) => [done, failed].includes(id)),
      [failed, done],
      'newest first',
    );
    assert.ok((await ids({})).length >= 3);
  });

  it('downloads a result as a JPEG of the chosen quality, converted on the fly, named after the item, with the object headers', async () => {
    const id = await item(userId, 'COMPLETED', 'grandma.jpg');
    const result = await post<{ media: { jpeg: string; low: string; png: string } }>(
      'query ($id: ID!) { media(id: $id) { jpeg: downloadUrl(format: JPEG, quality: 95) low: downloadUrl(format: JPEG, quality: 5) png: downloadUrl } }',
      { id },
    );
    const { jpeg, low, png: asPng } = result.data!.media;
    const response = await yoga.fetch(jpeg);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.equal(
      response.headers.get('content-disposition'),
      `attachment; filename="grandma.revive.jpg"; filename*=UTF-8''grandma.revive.jpg`,
    );
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*sandbox/);
    const bytes = Buffer.from(await response.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.hasAlpha], ['jpeg', 40, 30, false]);
    const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[1]! > 100, `half-transparent red lands on white (green ${data[1]}), not black`);
    const small = Buffer.from(await (await yoga.fetch(low)).arrayBuffer());
    assert.ok(small.length < bytes.length, `quality 5 (${small.length} B) is smaller than 95 (${bytes.length} B)`);
    const stored = await yoga.fetch(asPng);
    assert.equal(stored.headers.get('content-disposition')?.startsWith('attachment; filename="grandma.revive.png"'), true);
    assert.deepEqual(Buffer.from(await stored.arrayBuffer()), png, 'a PNG result downloads as PNG unchanged');

    const tampered = new URL(jpeg);
    tampered.searchParams.set('key', `media/${randomUUID()}/result.png`);
    assert.equal((await yoga.fetch(tampered.href)).status, 403, 'the key is signed with the rest');
    tampered.searchParams.set('key', new URL(jpeg).searchParams.get('key')!);
    tampered.searchParams.set('quality', '50');
    assert.equal((await yoga.fetch(tampered.href)).status, 403, 'so is the quality');
    assert.equal(codeOf(await post('query ($id: ID!) { media(id: $id) { downloadUrl(quality: 0) } }', { id })), 'BAD_USER_INPUT');
    const queued = await item(userId, 'PROCESSING');
    assert.equal((await post('query ($id: ID!) { media(id: $id) { downloadUrl } }', { id: queued })).data!.media.downloadUrl, null);
  });

  it('offers a video as its MP4 whatever the format, and a non-ASCII name in filename*', async () => {
    const id = await item(userId, 'COMPLETED', 'Großmutter "1950".mov', 'video');
    const url = (await post('query ($id: ID!) { media(id: $id) { downloadUrl(format: WEBP) } }', { id })).data!.media.downloadUrl;
    const response = await yoga.fetch(url);
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.equal(
      response.headers.get('content-disposition'),
      `attachment; filename="Gro_mutter _1950_.revive.mp4"; filename*=UTF-8''Gro%C3%9Fmutter%20%221950%22.revive.mp4`,
    );
    assert.equal(await response.text(), 'an mp4 stand-in');
  });

  it("zips the caller's completed results with unique names, leaving out others' items, unfinished ones and ones deleted since", async () => {
    const a = await item(userId, 'COMPLETED', 'grandma.jpg');
    const b = await item(userId, 'COMPLETED', 'grandma.png');
    const c = await item(userId, 'COMPLETED', 'GRANDMA.tif');
    const video = await item(userId, 'COMPLETED', 'film.mp4', 'video');
    const gone = await item(userId, 'COMPLETED', 'gone.jpg');
    const running = await item(userId, 'PROCESSING');
    const theirs = await item(otherId, 'COMPLETED', 'theirs.jpg');
    const url = (
      await post<{ archiveUrl: string }>('query ($ids: [ID!]!) { archiveUrl(ids: $ids, format: WEBP) }', {
        ids: [a, b, c, video, gone, running, theirs, 'not-an-id'],
      })
    ).data!.archiveUrl;
    assert.equal((await post('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [gone] })).data!.deleteMedia[0], gone);
    const response = await yoga.fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.equal(response.headers.get('content-length'), null, 'streamed: its length is not known ahead');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const zip = new AdmZip(Buffer.from(await response.arrayBuffer()));
    const entries = zip.getEntries();
    assert.deepEqual(
      entries.map((e) => e.entryName),
      ['grandma.revive.webp', 'grandma (2).revive.webp', 'GRANDMA (3).revive.webp', 'film.revive.mp4'],
    );
    const first = await sharp(entries[0]!.getData()).metadata();
    assert.deepEqual([first.format, first.width, first.height], ['webp', 40, 30]);
    assert.equal(entries[3]!.getData().toString(), 'an mp4 stand-in', 'CRC and sizes check out as adm-zip reads it');
  });

  it('refuses an archive with nothing finished in it (NOT_FOUND) rather than linking an empty ZIP', async () => {
    const running = await item(userId, 'PROCESSING');
    const theirs = await item(otherId, 'COMPLETED', 'theirs.jpg');
    const result = await post('query ($ids: [ID!]!) { archiveUrl(ids: $ids) }', { ids: [running, theirs, randomUUID()] });
    assert.equal(codeOf(result), 'NOT_FOUND');
    assert.equal(result.data, null);
  });

  it('deletes items whole (objects and rows), cancelling a running one; idempotent; another user’s ids are ignored', async () => {
    const done = await item(userId, 'COMPLETED');
    const running = await item(userId, 'PROCESSING');
    const theirs = await item(otherId, 'COMPLETED');
    await gateway.store.put(`media/${done}/preview/result.webp`, png);
    assert.ok((await objectsOf(done)).length >= 3);
    await gateway.sql`INSERT INTO projected_events (media_id, event_id, subject) VALUES (${done}, '1', 'image.uploaded')`;
    const result = await post<{ deleteMedia: string[] }>('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', {
      ids: [done, running, theirs, done, randomUUID(), 'nonsense'],
    });
    assert.deepEqual(result.errors, undefined);
    assert.deepEqual(result.data!.deleteMedia.sort(), [done, running].sort());
    for (const id of [done, running]) {
      assert.deepEqual(await objectsOf(id), [], `${id}: every object gone`);
      assert.equal(await deps.media.get(id), undefined);
    }
    assert.equal(Number((await gateway.sql`SELECT count(*) AS n FROM projected_events WHERE media_id = ${done}`)[0]!.n), 0);
    const kv = await gateway.nc.jetstream().views.kv(Buckets.cancelled);
    assert.ok(await kv.get(running), 'the running item was cancelled first: its stages were told to stop');
    assert.ok(await deps.media.get(theirs), "another user's item stays");
    assert.ok((await objectsOf(theirs)).length > 0);
    const again = await post<{ deleteMedia: string[] }>('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [done, running] });
    assert.deepEqual(again.data!.deleteMedia, [], 'deleting again deletes nothing and is no error');
    assert.deepEqual((await post('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [theirs] }, otherAuth)).data!.deleteMedia, [
      theirs,
    ]);
  });

  it('reprocesses a finished item as a new, independent one from a copy of its original, with the options given over the first’s', async () => {
    const first = await item(userId, 'COMPLETED', 'grandma.jpg');
    const result = await post<{ reprocessMedia: { id: string; status: string; filename: string; options: Record<string, unknown> } }>(
      'mutation ($id: ID!, $o: EnhanceOptions) { reprocessMedia(id: $id, options: $o) { id status filename options { scale colorize repair } } }',
      { id: first, o: { scale: 4, colorize: 'OFF' } },
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const second = result.data!.reprocessMedia;
    assert.notEqual(second.id, first);
    assert.equal(second.filename, 'grandma.jpg');
    assert.deepEqual(second.options, { scale: 4, colorize: 'OFF', repair: 'AUTO' });
    assert.deepEqual(await objectsOf(second.id), [`media/${second.id}/original.png`], 'the original copied under the new item');
    // The caller may have one item in flight; earlier cases left running ones, so it waits its turn or was released.
    assert.ok(['QUEUED', 'PROCESSING'].includes(second.status));

    const firstObjects = await objectsOf(first);
    await post('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [second.id] });
    assert.deepEqual(await objectsOf(first), firstObjects, 'deleting the second leaves the first whole');
    const third = (await post('mutation ($id: ID!) { reprocessMedia(id: $id) { id } }', { id: first })).data!.reprocessMedia.id;
    await post('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [first] });
    assert.deepEqual(await objectsOf(third), [`media/${third}/original.png`], 'and deleting the first leaves a later one whole');
  });

  it('publishes the reprocessed item’s uploaded event when its owner has room', async () => {
    const lone = await gateway.accounts.createUser('library-spec-lone');
    const loneAuth = { authorization: `Bearer ${(await gateway.accounts.issueToken(lone.id)).token}` };
    const first = await item(lone.id, 'FAILED');
    const { id } = (await post('mutation ($id: ID!) { reprocessMedia(id: $id) { id } }', { id: first }, loneAuth)).data!.reprocessMedia;
    const jsm = await gateway.nc.jetstreamManager();
    const last = await jsm.streams.getMessage(Streams.media, { last_by_subj: Subjects.imageUploaded });
    assert.equal(last.json<{ mediaId: string; originalKey: string }>().mediaId, id);
    assert.equal(last.json<{ originalKey: string }>().originalKey, `media/${id}/original.png`);
  });

  it('refuses to reprocess a running item, another user’s, one whose original is gone, and one past the output limit', async () => {
    const running = await item(userId, 'PROCESSING');
    assert.equal(codeOf(await post('mutation ($id: ID!) { reprocessMedia(id: $id) { id } }', { id: running })), 'INVALID_STATE');
    const theirs = await item(otherId, 'COMPLETED');
    assert.equal(codeOf(await post('mutation ($id: ID!) { reprocessMedia(id: $id) { id } }', { id: theirs })), 'NOT_FOUND');
    const swept = await item(userId, 'COMPLETED');
    await gateway.store.delete(`media/${swept}/original.png`);
    assert.equal(codeOf(await post('mutation ($id: ID!) { reprocessMedia(id: $id) { id } }', { id: swept })), 'INVALID_STATE');

    const huge = randomUUID();
    const big = await sharp({ create: { width: 600, height: 600, channels: 3, background: 'white' } })
      .png()
      .toBuffer();
    await gateway.store.put(`media/${huge}/original.png`, big, { contentType: 'image/png' });
    await deps.media.ownedBy(userId).create({
      id: huge,
      kind: 'image',
      filename: 'big.png',
      contentType: 'image/png',
      bytes: big.length,
      options: { scale: 1, colorize: 'auto', repair: 'auto', frameRateFactor: 2 },
      originalKey: `media/${huge}/original.png`,
    });
    await gateway.sql`UPDATE media SET status = 'COMPLETED' WHERE id = ${huge}`;
    const before = Number((await gateway.sql`SELECT count(*) AS n FROM media`)[0]!.n);
    assert.equal(
      codeOf(await post('mutation ($id: ID!) { reprocessMedia(id: $id, options: { scale: 4 }) { id } }', { id: huge })),
      'OUTPUT_TOO_LARGE',
    );
    assert.equal(Number((await gateway.sql`SELECT count(*) AS n FROM media`)[0]!.n), before, 'nothing recorded');
  });
});
