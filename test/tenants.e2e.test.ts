import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { Buckets } from '@revive/contracts';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, type CallOptions, type GraphqlResponse } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// Issue 27, missing test 1: every way one user can name another user's item (read it, retry,
// cancel, delete, reprocess, download, archive, subscribe, list its failures) answers exactly as
// for an id that does not exist, and changes nothing.

const fixtures = resolve(import.meta.dirname, 'fixtures/images');
const photo = join(fixtures, 'garden-410x256.jpg');
/** Generous on a loaded two-core machine. */
const SETTLE_MS = 180_000;

const MEDIA = `query ($id: ID!) { media(id: $id) { id status downloadUrl originalUrl failures { code } } }`;
const RETRY = `mutation ($id: ID!) { retryMedia(id: $id) { id status } }`;
const CANCEL = `mutation ($id: ID!) { cancelMedia(id: $id) { id status } }`;
const REPROCESS = `mutation ($id: ID!) { reprocessMedia(id: $id, options: { scale: 1 }) { id status } }`;
const DELETE = `mutation ($ids: [ID!]!) { deleteMedia(ids: $ids) }`;
const ARCHIVE = `query ($ids: [ID!]!) { archiveUrl(ids: $ids) }`;
const FAILURES = `query ($code: String) { failures(code: $code, first: 50) { totalCount edges { node { mediaId code } } byStageAndCode { code count } } }`;
const MEDIAS = `query { medias(first: 50) { edges { node { id } } } }`;
const PROGRESS = `subscription ($id: ID!) { mediaProgress(id: $id) { event media { id status } } }`;

interface Item {
  id: string;
  status: string;
  failures: Array<{ code: string }>;
}

describe('tenants: another user’s items answer like a missing id, and nothing happens to them (real stack, two users)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let nc: NatsConnection;
  let alice: CallOptions;
  let mallory: CallOptions;

  before(async () => {
    system = await startTestStack('tenants', {
      defaultUser: 'alice',
    });
    stack = system.stack;
    alice = { token: stack.token };
    mallory = { token: (await stack.createUser('mallory')).token };
    nc = await connect(stack.natsAdmin);
  });
  after(async () => {
    stack?.services.preprocess.resume();
    await nc?.drain();
    await system?.stop();
  });

  const ask = <T = unknown>(call: CallOptions, document: string, variables: Record<string, unknown> = {}) =>
    query<T>(stack.graphqlUrl, document, variables, call);

  async function itemOf(id: string): Promise<Item> {
    const { data, errors } = await ask<{ media: Item }>(alice, MEDIA, { id });
    assert.equal(errors, undefined, JSON.stringify(errors));
    assert.ok(data?.media, `alice still has ${id}`);
    return data.media;
  }
  async function until(id: string, check: (m: Item) => boolean, what: string): Promise<Item> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const m = await itemOf(id);
      if (check(m)) return m;
      if (Date.now() > deadline)
        assert.fail(`timed out after ${SETTLE_MS} ms waiting for ${id} to be ${what}; last state ${JSON.stringify(m)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  async function upload(bytes: Uint8Array, options: Record<string, unknown>): Promise<string> {
    const response = await uploadFile(stack.graphqlUrl, photo, options, bytes, alice);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.uploadMedia.id;
  }

  /** Mallory's answer about alice's item, next to her answer about an id nobody has: they must be the same, byte for byte. */
  async function assertLikeMissing(
    what: string,
    document: string,
    variablesOf: (id: string) => Record<string, unknown>,
    aliceIds: string[],
  ) {
    const missing = await ask(mallory, document, variablesOf(randomUUID()));
    for (const id of aliceIds) {
      const answer = await ask(mallory, document, variablesOf(id));
      assert.deepEqual(answer, missing, `${what} on alice's ${id} answers like a missing id`);
    }
    return missing as GraphqlResponse<unknown>;
  }
  const codeOf = (r: GraphqlResponse<unknown>) => r.errors?.[0]?.extensions?.code;

  /** The SSE stream mallory gets for an item, whole; it ends at once for a missing id. */
  async function progressStream(id: string): Promise<string> {
    const response = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${mallory.token}` },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      signal: AbortSignal.timeout(30_000),
    });
    return `${response.status} ${await response.text()}`;
  }

  let failed: string;
  let queued: string;
  let failedCode: string;

  it('retryMedia, cancelMedia, deleteMedia, reprocessMedia, media(id) and failures() on alice’s FAILED and QUEUED items: NOT_FOUND or nothing, as for a missing id', async () => {
    // A JPEG by its magic bytes that no decoder reads: accepted, then failed by preprocess with a typed code.
    failed = await upload(new Uint8Array((await readFile(photo)).subarray(0, 600)), { scale: 2 });
    const failedItem = await until(failed, (m) => m.status === 'FAILED', 'FAILED');
    failedCode = failedItem.failures[0]!.code;
    // Frozen preprocess: this one stays QUEUED, something a cancel would change.
    stack.services.preprocess.pause();
    queued = await upload(new Uint8Array(await readFile(photo)), { scale: 1, colorize: 'OFF', repair: 'OFF' });
    assert.equal((await itemOf(queued)).status, 'QUEUED');
    const ids = [failed, queued];

    const read = await assertLikeMissing('media(id)', MEDIA, (id) => ({ id }), ids);
    assert.deepEqual(read, { data: { media: null } });
    const retry = await assertLikeMissing('retryMedia', RETRY, (id) => ({ id }), ids);
    assert.equal(codeOf(retry), 'NOT_FOUND');
    const cancel = await assertLikeMissing('cancelMedia', CANCEL, (id) => ({ id }), ids);
    assert.equal(codeOf(cancel), 'NOT_FOUND');
    const reprocess = await assertLikeMissing('reprocessMedia', REPROCESS, (id) => ({ id }), ids);
    assert.equal(codeOf(reprocess), 'NOT_FOUND');
    const deleted = await assertLikeMissing('deleteMedia', DELETE, (id) => ({ ids: [id] }), ids);
    assert.deepEqual(deleted, { data: { deleteMedia: [] } });
    assert.deepEqual(await ask(mallory, DELETE, { ids }), deleted, 'deleting both at once deletes nothing either');
    for (const id of ids) assert.equal(await progressStream(id), await progressStream(randomUUID()), `mediaProgress on ${id}`);

    // failures(): mallory has none; alice's failure is listed for alice only, whatever the filter.
    const none = { data: { failures: { totalCount: 0, edges: [], byStageAndCode: [] } } };
    assert.deepEqual(await ask(mallory, FAILURES), none);
    assert.deepEqual(await ask(mallory, FAILURES, { code: failedCode }), none);
    const own = await ask<{ failures: { edges: Array<{ node: { mediaId: string } }> } }>(alice, FAILURES, { code: failedCode });
    assert.deepEqual(
      own.data?.failures.edges.map((e) => e.node.mediaId),
      [failed],
      'alice sees her failure (the refusals above are not an empty history)',
    );

    // Nothing happened: still FAILED with one failure, still QUEUED and not marked cancelled, no new item anywhere.
    const after = await itemOf(failed);
    assert.deepEqual([after.status, after.failures.length], ['FAILED', 1], 'not retried');
    assert.equal((await itemOf(queued)).status, 'QUEUED', 'not cancelled');
    const kv = await nc.jetstream().views.kv(Buckets.cancelled);
    assert.equal(await kv.get(queued), null, 'no stage was told to stop it');
    assert.deepEqual(await ask(mallory, MEDIAS), { data: { medias: { edges: [] } } }, 'mallory got no item from a reprocess');
    const list = await ask<{ medias: { edges: Array<{ node: { id: string } }> } }>(alice, MEDIAS);
    assert.deepEqual(list.data?.medias.edges.map((e) => e.node.id).sort(), [...ids].sort(), 'alice has her two items, and no other');
  });

  it('downloadUrl, archiveUrl, mediaProgress and deleteMedia on alice’s COMPLETED item: as for a missing id; alice then downloads it', async () => {
    stack.services.preprocess.resume();
    // Completes: mallory's cancel above reached no stage.
    await until(queued, (m) => m.status === 'COMPLETED', 'COMPLETED (a cancel by another user must not stop it)');
    const read = await assertLikeMissing('media(id) { downloadUrl }', MEDIA, (id) => ({ id }), [queued]);
    assert.deepEqual(read, { data: { media: null } });
    const archive = await assertLikeMissing('archiveUrl', ARCHIVE, (id) => ({ ids: [id] }), [queued]);
    assert.equal(codeOf(archive), 'NOT_FOUND');
    assert.equal(await progressStream(queued), await progressStream(randomUUID()), 'mediaProgress on a completed item');
    assert.deepEqual(await ask(mallory, DELETE, { ids: [queued, failed] }), { data: { deleteMedia: [] } });

    const mine = await ask<{ media: { downloadUrl: string } }>(alice, MEDIA, { id: queued });
    const download = await fetch(mine.data!.media.downloadUrl, { signal: AbortSignal.timeout(60_000) });
    assert.equal(download.status, 200, 'alice downloads her result: mallory deleted nothing');
    await download.arrayBuffer();
    const archived = await ask<{ archiveUrl: string }>(alice, ARCHIVE, { ids: [queued] });
    assert.equal(archived.errors, undefined, JSON.stringify(archived.errors));
  });
});
