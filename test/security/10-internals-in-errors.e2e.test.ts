import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '@revive/config';
import { MEDIA_FIELDS, query, subscribeWs, uploadFile, type ProgressMessage } from '../support/graphql-client.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 10: a stage's failure message quotes its tools (ffmpeg's "[h264 @ 0x55…]",
// libvips, temp paths such as /tmp/revive-preprocess-*), and it reached clients as Media.error,
// Media.failures and failures(…). Clients now get the code's message; the stage's words go to
// the gateway's log with the item's trace id.

/** What must never reach a client: absolute paths, heap addresses, the stages' temp folders. */
const INTERNALS = /\/tmp\/|revive-[a-z]+-[A-Za-z0-9]{6}|0x[0-9a-f]{6,}|\/work\/|\.ts:\d+/;

interface Failure {
  code: string;
  stage: string;
  message: string;
}
interface FailedMedia {
  status: string;
  traceId: string;
  error: Failure;
  failures: Failure[];
}

describe('security 10: no internals in client-visible failures (real stack)', () => {
  let system: TestStack;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

  before(async () => {
    // Traces on (to a local OTLP receiver), so each item has the trace id its log lines carry.
    receiver = await startOtlpReceiver();
    system = await startTestStack('security-internals', {
      env: { REVIVE_ACK_WAIT_SECONDS: '5', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
  });
  after(async () => {
    await system?.stop();
    await receiver?.close();
  });

  /** Uploads broken bytes, follows the item to FAILED over graphql-ws, and reads it back every way a client can. */
  async function fail(name: string, bytes: Uint8Array) {
    const { stack } = system;
    const upload = await uploadFile(stack.graphqlUrl, name, {}, bytes, { token: stack.token });
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;
    const messages: ProgressMessage[] = await subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token }).done;
    const { data } = await query<{ media: FailedMedia; failures: { edges: Array<{ node: Failure & { mediaId: string } }> } }>(
      stack.graphqlUrl,
      `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} traceId failures { code stage message } }
         failures(first: 50) { edges { node { mediaId code stage message } } } }`,
      { id },
      { token: stack.token },
    );
    const media = data!.media;
    assert.equal(media.status, 'FAILED', JSON.stringify(media));
    const seen = {
      progress: JSON.stringify(messages.at(-1)),
      media: JSON.stringify(media),
      failures: JSON.stringify(data!.failures.edges.filter((e) => e.node.mediaId === id)),
    };
    return { id, media, seen };
  }

  /** The gateway's log line for the item's failure: the stage's own words, under the item's trace id. */
  function loggedFailure(id: string): { trace_id?: string; detail?: string; code?: string } {
    const line = system.logs
      .map((l) => {
        try {
          return JSON.parse(l) as { msg?: string; media_id?: string; trace_id?: string; detail?: string; code?: string };
        } catch {
          return {};
        }
      })
      .find((l) => l.msg === 'stage failed' && l.media_id === id);
    assert.ok(line, `the gateway logged the failure of ${id}`);
    return line;
  }

  it('a truncated video: ffmpeg’s words stay in the log; Media.error, failures and the stream show the typed message', async () => {
    const video = await readFile(resolve(repoRoot, 'test/fixtures/video/chaplin-bw-192x108-2s.mp4'));
    const { id, media, seen } = await fail('cut.mp4', video.subarray(0, Math.floor(video.length * 0.55)));
    const logged = loggedFailure(id);
    console.log(`stage's message (logged): ${logged.detail}\nclient's message: ${media.error.message}`);
    assert.match(logged.detail!, INTERNALS, 'the probe still produces internals: the stage quotes ffmpeg');
    assert.match(media.traceId, /^[0-9a-f]{32}$/);
    assert.equal(logged.trace_id, media.traceId, 'the log line carries the item’s trace id');
    assert.equal(media.error.code, 'CORRUPT_VIDEO');
    assert.equal(media.error.message, 'the video is damaged or incomplete and cannot be decoded to the end');
    for (const [where, text] of Object.entries(seen)) {
      assert.doesNotMatch(text, INTERNALS, `${where}: ${text}`);
      assert.ok(!text.includes(logged.detail!), `${where} does not carry the stage's message`);
    }
  });

  it('a truncated JPEG: libvips’s words stay in the log, the client reads the code’s message', async () => {
    const jpeg = await readFile(resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg'));
    const { id, media, seen } = await fail('cut.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
    const logged = loggedFailure(id);
    console.log(`stage's message (logged): ${logged.detail}\nclient's message: ${media.error.message}`);
    assert.match(logged.detail!, /VipsJpeg/);
    assert.equal(logged.trace_id, media.traceId);
    assert.equal(media.error.code, 'UNSUPPORTED_MEDIA');
    assert.match(media.error.message, /corrupt or truncated/);
    for (const [where, text] of Object.entries(seen)) {
      assert.doesNotMatch(text, INTERNALS, `${where}: ${text}`);
      assert.ok(!text.includes(logged.detail!), `${where} does not carry the stage's message`);
    }
  });
});
