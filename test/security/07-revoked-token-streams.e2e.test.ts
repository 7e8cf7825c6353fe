import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { repoRoot } from '@revive/config';
import { MEDIA_FIELDS, uploadFile } from '../support/graphql-client.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 7: a token was checked when a socket or request started, so a subscription
// opened before its token was revoked kept streaming. The operator revokes with the users CLI;
// the token's sockets and SSE streams must end within seconds.

const PROGRESS = `subscription ($id: ID!) { mediaProgress(id: $id) { event media { ${MEDIA_FIELDS} } } }`;
/** The issue says "within seconds"; the gateway checks every 2 s. Generous for a loaded machine. */
const BOUND_SECONDS = 15;
const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

describe('security 7: a revoked token’s streams end (real stack)', () => {
  let system: TestStack;

  before(async () => {
    system = await startTestStack('security-revoked-streams');
  });
  after(async () => {
    system?.stack.services.preprocess.resume();
    await system?.stop();
  });

  it('closes the graphql-ws socket (4401) and ends the SSE stream (UNAUTHENTICATED) once the users CLI revokes the token', async () => {
    const { stack } = system;
    const user = await stack.createUser('mallory');
    // The item waits QUEUED while preprocess is frozen: without the revocation both streams would stay open.
    stack.services.preprocess.pause();
    const upload = await uploadFile(stack.graphqlUrl, fixture, { scale: 2 }, undefined, { token: user.token });
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;

    let closeCode: number | undefined;
    const socketResults: string[] = [];
    const client = createClient({
      url: stack.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${user.token}` },
      on: { closed: (event) => (closeCode = (event as { code?: number }).code) },
    });
    const socketEnded = new Promise<void>((done) =>
      client.subscribe<{ mediaProgress: { event: string } }>(
        { query: PROGRESS, variables: { id } },
        {
          next: (r) => socketResults.push(r.data?.mediaProgress.event ?? String(r.errors?.[0]?.extensions?.code)),
          error: () => done(),
          complete: () => done(),
        },
      ),
    );
    const sse = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
    });
    const reader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
    let sseText = '';
    while (!sseText.includes('SNAPSHOT')) sseText += (await reader.read()).value ?? '';
    while (!socketResults.includes('SNAPSHOT')) await new Promise((r) => setTimeout(r, 20));

    const revokedAt = performance.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'services/gateway/src/users.cli.ts', 'revoke', user.tokenId],
      {
        cwd: repoRoot,
        env: { ...stack.env, REVIVE_DATABASE_URL: stack.databaseUrl, REVIVE_LOG_LEVEL: 'silent' },
      },
    );
    assert.match(stdout, /revoked/);
    const sseEnded = (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) sseText += chunk.value;
    })();
    const bound = new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error(`still streaming ${BOUND_SECONDS} s after the revocation`)), BOUND_SECONDS * 1000).unref(),
    );
    await Promise.race([Promise.all([socketEnded, sseEnded]), bound]);
    const seconds = (performance.now() - revokedAt) / 1000;
    client.dispose();
    console.log(`streams ended ${seconds.toFixed(1)} s after \`users revoke\` (CLI start included)`);

    assert.equal(closeCode, 4401, 'the socket is closed as unauthorized');
    assert.match(sseText, /UNAUTHENTICATED/, 'the SSE stream says why it ended');
    // The token is refused from now on, for new sockets and requests alike.
    const again = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: '{ medias(first: 1) { edges { cursor } } }' }),
    });
    assert.equal(again.status, 401);
  });
});
