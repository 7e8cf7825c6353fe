// Issue 23, point 3: the local stack's PostgreSQL and NATS accept only the credentials generated
// into its state dir, and each service's NATS user can do only what the stage catalogue gives it.
// Reproduces the probes against the real stack (nats-server, PostgreSQL, gateway, every stage).
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { localCredentialPaths } from '@revive/config';
import { FLOW, GatewaySubjects, hopsOf, ProgressSubjects, Streams, Subjects } from '@revive/contracts';
import { inboxPrefixOf, natsClientName } from '@revive/messaging';
import type { LocalStack } from '@revive/local-services';
import { uploadFile } from '../support/graphql-client.ts';
import { waitForTerminal } from '../support/pipeline-audit.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures/images');

/** What PostgreSQL answers a sign-in: 'ok', or its SQLSTATE and message. */
async function signIn(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return 'ok';
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describe('security 3: local PostgreSQL and NATS accept only generated credentials; each NATS user only its stage (real stack)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  const figures: string[] = [];
  const open: NatsConnection[] = [];
  /** A stage's own user, as a compromised stage process (or anyone holding its seed) would connect. */
  const asStage = async (stage: (typeof FLOW.image)[number]['stage']) => {
    const name = natsClientName(stage);
    const nc = await connect({
      servers: stack.natsUrl,
      name: `${name}-probe`,
      inboxPrefix: inboxPrefixOf(name),
      authenticator: nkeyAuthenticator(new TextEncoder().encode(stack.credentials.nats[stage].seed)),
    });
    open.push(nc);
    return nc;
  };

  before(async () => {
    system = await startTestStack('security-3-local-credentials', { preface: figures });
    ({ stack, stateDir } = system);
  });
  after(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await system?.stop();
  });

  it('keeps the generated credentials where only this OS user can read them', async () => {
    const paths = localCredentialPaths(stateDir);
    assert.equal((await stat(paths.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(paths.natsDir)).mode & 0o777, 0o700);
    const files = [paths.postgres, ...(await readdir(paths.natsDir)).map((f) => join(paths.natsDir, f))];
    assert.ok(files.length >= 8, files.join(', '));
    for (const file of files) assert.equal((await stat(file)).mode & 0o777, 0o600, file);
  });

  it('runs a photo through every stage with each service signed in as itself, none reaching outside its permissions', async () => {
    const upload = await uploadFile(
      stack.graphqlUrl,
      join(fixtures, 'garden-410x256.jpg'),
      { scale: 1, colorize: 'OFF', repair: 'OFF' },
      undefined,
      {
        token: stack.token,
      },
    );
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const media = await waitForTerminal(stack.graphqlUrl, upload.data!.uploadMedia.id, { token: stack.token });
    assert.equal(media.status, 'COMPLETED', JSON.stringify(media));
    const violations = stack
      .natsLog()
      .split('\n')
      .filter((l) => /Violation|authentication error/i.test(l));
    assert.deepEqual(violations, [], 'no service was refused anything it does');
  });

  it('PostgreSQL refuses a sign-in without the password, as the application role and as the superuser', async () => {
    const { port } = new URL(stack.databaseUrl);
    const app = await signIn(`postgres://revive@127.0.0.1:${port}/revive`);
    const superuser = await signIn(`postgres://postgres@127.0.0.1:${port}/postgres`);
    figures.push(`psql revive (no password): ${app}`, `psql postgres (no password): ${superuser}`);
    assert.equal(app, '28P01: password authentication failed for user "revive"');
    assert.equal(superuser, '28P01: password authentication failed for user "postgres"');
    assert.equal(await signIn(stack.databaseUrl), 'ok');
    // The application role's own password does not make anyone a superuser able to run programs on the host.
    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await assert.rejects(
        sql`COPY (SELECT 1) TO PROGRAM 'id'`,
        (e: Error) => (figures.push(`COPY … TO PROGRAM as revive: ${e.message}`), /must be superuser/.test(e.message)),
      );
    } finally {
      await sql.end();
    }
  });

  it('NATS refuses an anonymous client', async () => {
    await assert.rejects(connect({ servers: stack.natsUrl, reconnect: false }), (e: Error & { code?: string }) => {
      figures.push(`nats anonymous: ${e.code} ${e.message}`);
      return e.code === 'AUTHORIZATION_VIOLATION';
    });
  });

  it("a stage's user cannot read anyone's events or progress, nor publish an upload or another stage's output", async () => {
    const stage = FLOW.image.at(-1)!.stage; // the last stage: every other stage's output lies before it
    const nc = await asStage(stage);
    const refusedSubscription = async (subject: string) => {
      const sub = nc.subscribe(subject);
      await assert.rejects(
        (async () => {
          for await (const _ of sub) break;
        })(),
        (e: Error) => (figures.push(`${stage} subscribe ${subject}: ${e.message}`), e.message.includes(`Subscription to "${subject}"`)),
      );
    };
    // Every user's item events, their live progress, and the gateway's per-item fan-out.
    await refusedSubscription('revive.>');
    await refusedSubscription(Subjects.imageUploaded);
    await refusedSubscription(ProgressSubjects.all);
    await refusedSubscription(GatewaySubjects.mediaUpdatedAll);
    await refusedSubscription('_INBOX.>');

    const js = nc.jetstream();
    const refusedPublish = async (subject: string) =>
      assert.rejects(js.publish(subject, '{}'), (e: Error & { code?: string }) => {
        figures.push(`${stage} publish ${subject}: ${e.code} ${e.message}`);
        return e.code === 'PERMISSIONS_VIOLATION';
      });
    await refusedPublish(Subjects.imageUploaded); // a fake upload, as anyone's
    const other = FLOW.image.find((h) => h.stage !== stage && h.emits !== hopsOf(stage)[0]!.consumes)!;
    await refusedPublish(other.emits); // another stage's outcome

    // Nor may it take another stage's work from its durable consumer.
    await assert.rejects(
      (async () => (await js.consumers.get(Streams.media, other.consumer)).next({ expires: 2000 }))(),
      (e: Error & { code?: string }) => (
        figures.push(`${stage} pull ${other.consumer}: ${e.code} ${e.message}`),
        e.code === 'PERMISSIONS_VIOLATION'
      ),
    );
  });
});
