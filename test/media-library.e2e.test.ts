import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, waitForMedia, type CallOptions } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const run = promisify(execFile);
const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
/** Few stages with models: the library's operations are the point, not the restoration. */
const QUICK = { scale: 1, colorize: 'OFF', repair: 'OFF' };

interface Item {
  id: string;
  status: string;
  filename: string;
  width: number | null;
  height: number | null;
  options: { scale: number };
}
const ITEM = 'id status filename width height options { scale }';

describe('the media library end to end: delete, reprocess, download as JPEG, archive, filter (real nats-server, PostgreSQL, every service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let call: CallOptions;

  before(async () => {
    system = await startTestStack('media-library');
    ({ stack, stateDir } = system);
    call = { token: stack.token };
  });
  after(() => system?.stop());

  async function gql<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
    const { data, errors } = await query<T>(stack.graphqlUrl, document, variables, call);
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!;
  }
  const itemOf = async (id: string) => (await gql<{ media: Item | null }>(`query ($id: ID!) { media(id: $id) { ${ITEM} } }`, { id })).media;
  async function finished(id: string): Promise<Item> {
    const settled = (m: Item | null) => !!m && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(m.status);
    return (await waitForMedia<Item>(stack.graphqlUrl, id, call, settled, { what: 'COMPLETED, FAILED or CANCELLED', fields: ITEM }))!;
  }
  const objectsOf = async (id: string) => readdir(join(stateDir, 'objects', 'media', id), { recursive: true }).catch(() => [] as string[]);
  async function upload(): Promise<string> {
    const { data, errors } = await uploadFile(stack.graphqlUrl, greyPhoto, QUICK, undefined, call);
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.uploadMedia.id;
  }

  let first: Item;
  let second: Item;

  it('reprocesses a finished item at another scale: a new item completes at the new size, the first unchanged', async () => {
    first = await finished(await upload());
    assert.equal(first.status, 'COMPLETED', JSON.stringify(first));
    const firstObjects = (await objectsOf(first.id)).sort();
    const { reprocessMedia } = await gql<{ reprocessMedia: Item }>(
      `mutation ($id: ID!) { reprocessMedia(id: $id, options: { scale: 2 }) { ${ITEM} } }`,
      { id: first.id },
    );
    assert.notEqual(reprocessMedia.id, first.id);
    assert.equal(reprocessMedia.options.scale, 2);
    second = await finished(reprocessMedia.id);
    assert.equal(second.status, 'COMPLETED', JSON.stringify(second));
    assert.deepEqual([second.width, second.height], [first.width! * 2, first.height! * 2]);
    assert.deepEqual(await itemOf(first.id), first, 'the first item is unchanged');
    assert.deepEqual((await objectsOf(first.id)).sort(), firstObjects, "and so are the first item's objects");
  });

  it('downloads the result as a real JPEG of the right size, named after the item', async () => {
    const { media } = await gql<{ media: { downloadUrl: string } }>(
      'query ($id: ID!) { media(id: $id) { downloadUrl(format: JPEG, quality: 80) } }',
      {
        id: second.id,
      },
    );
    const response = await fetch(media.downloadUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="brooklyn-bridge-1880s-grey-160\.revive\.jpg"/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG magic bytes');
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', second.width, second.height]);
  });

  it('downloads the original as an attachment under its own name, byte for byte as uploaded', async () => {
    const { media } = await gql<{ media: { originalDownloadUrl: string } }>('query ($id: ID!) { media(id: $id) { originalDownloadUrl } }', {
      id: first.id,
    });
    const response = await fetch(media.originalDownloadUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="brooklyn-bridge-1880s-grey-160\.jpg"/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(await readFile(greyPhoto)), 'the bytes uploaded');
  });

  it('archives both results in one valid ZIP that unzip lists, names unique', async () => {
    const { archiveUrl } = await gql<{ archiveUrl: string }>('query ($ids: [ID!]!) { archiveUrl(ids: $ids, format: JPEG) }', {
      ids: [first.id, second.id],
    });
    const response = await fetch(archiveUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    const dir = await mkdtemp(join(tmpdir(), 'revive-e2e-zip-'));
    try {
      await writeFile(join(dir, 'a.zip'), Buffer.from(await response.arrayBuffer()));
      const { stdout: listing } = await run('unzip', ['-l', join(dir, 'a.zip')]);
      assert.match(listing, /brooklyn-bridge-1880s-grey-160\.revive\.jpg/);
      assert.match(listing, /brooklyn-bridge-1880s-grey-160 \(2\)\.revive\.jpg/);
      assert.match(listing.trim().split('\n').at(-1)!, /\s2 files$/);
      await run('unzip', ['-q', join(dir, 'a.zip'), '-d', join(dir, 'out')]);
      const sizes = await Promise.all(
        (await readdir(join(dir, 'out'))).sort().map(async (f) => {
          const meta = await sharp(join(dir, 'out', f)).metadata();
          return [meta.format, meta.width];
        }),
      );
      assert.deepEqual(
        sizes.map(([f]) => f),
        ['jpeg', 'jpeg'],
      );
      assert.deepEqual(sizes.map(([, w]) => w).sort(), [first.width, second.width].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('filters the library by status and kind', async () => {
    const ids = async (filter: Record<string, unknown>) =>
      (
        await gql<{ medias: { edges: Array<{ node: { id: string } }> } }>(
          'query ($f: MediaFilter) { medias(first: 50, filter: $f) { edges { node { id } } } }',
          { f: filter },
        )
      ).medias.edges.map((e) => e.node.id);
    assert.deepEqual(await ids({ status: ['COMPLETED'], kind: 'IMAGE' }), [second.id, first.id]);
    assert.deepEqual(await ids({ status: ['FAILED', 'CANCELLED'] }), []);
    assert.deepEqual(await ids({ kind: 'VIDEO' }), []);
  });

  it('deletes an item: gone from the list, its objects gone, the other item whole', async () => {
    const secondObjects = (await objectsOf(second.id)).sort();
    assert.ok((await objectsOf(first.id)).length > 0);
    const { deleteMedia } = await gql<{ deleteMedia: string[] }>('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [first.id] });
    assert.deepEqual(deleteMedia, [first.id]);
    const listed = await gql<{ medias: { edges: Array<{ node: { id: string } }> } }>('{ medias(first: 50) { edges { node { id } } } }');
    assert.deepEqual(
      listed.medias.edges.map((e) => e.node.id),
      [second.id],
    );
    assert.equal(await itemOf(first.id), null);
    assert.deepEqual(await objectsOf(first.id), [], 'no object of the deleted item is left');
    assert.deepEqual((await objectsOf(second.id)).sort(), secondObjects, 'the reprocessed item keeps its own original and result');
    const again = await gql<{ deleteMedia: string[] }>('mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }', { ids: [first.id] });
    assert.deepEqual(again.deleteMedia, [], 'idempotent');
  });
});
