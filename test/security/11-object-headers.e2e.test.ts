import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LocalStack } from '@revive/local-services';
import { query, uploadForm, uploadHeaders, type CallOptions } from '../support/graphql-client.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 11. The probe: the gateway serves stored objects (filesystem store) from the
// page's own origin with no X-Content-Type-Options, so a GIF/HTML polyglot went out as image/gif
// for a browser to sniff. Now every object answer carries nosniff, a sandboxing CSP and a
// Content-Disposition, and the type is the one the gateway detected at upload, whatever the
// client declared.

const HTML = '<html><body><script>parent.postMessage(document.cookie, "*")</script></body></html>';

/** A valid 1×1 GIF whose comment extension, right after the header, is an HTML page. */
function gifHtmlPolyglot(): Uint8Array<ArrayBuffer> {
  const header = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00];
  const html = new TextEncoder().encode(HTML);
  assert.ok(html.length < 256);
  const comment = [0x21, 0xfe, html.length, ...html, 0x00];
  const image = [0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b];
  return Uint8Array.from([...header, ...comment, ...image]);
}

describe('security 11: objects served from the page origin cannot act as pages (real stack)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let call: CallOptions;

  before(async () => {
    system = await startTestStack('security-11-object-headers');
    stack = system.stack;
    call = { token: stack.token };
  });
  after(() => system?.stop());

  it('serves a GIF/HTML polyglot uploaded as text/html as the GIF it was detected as: nosniff, sandboxed, with a disposition', async () => {
    const polyglot = gifHtmlPolyglot();
    const response = await fetch(stack.graphqlUrl, {
      method: 'POST',
      body: uploadForm('page.html', new Blob([polyglot], { type: 'text/html' })),
      headers: uploadHeaders(call),
    });
    const upload = (await response.json()) as { data?: { uploadMedia: { id: string } }; errors?: unknown };
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const { data } = await query<{ media: { originalUrl: string } }>(
      stack.graphqlUrl,
      'query ($id: ID!) { media(id: $id) { originalUrl } }',
      { id: upload.data!.uploadMedia.id },
      call,
    );
    const originalUrl = data!.media.originalUrl;
    assert.equal(new URL(originalUrl).origin, new URL(stack.graphqlUrl).origin, 'the probe: served from the page origin');

    for (const method of ['GET', 'HEAD']) {
      const served = await fetch(originalUrl, { method });
      assert.equal(served.status, 200, method);
      assert.equal(served.headers.get('content-type'), 'image/gif', `${method}: the detected type, not the declared text/html`);
      assert.equal(served.headers.get('x-content-type-options'), 'nosniff', method);
      const csp = served.headers.get('content-security-policy') ?? '';
      assert.match(csp, /(^|;\s*)sandbox(;|$)/, `${method}: ${csp}`);
      assert.match(csp, /default-src 'none'/, `${method}: ${csp}`);
      assert.equal(served.headers.get('content-disposition'), 'inline', method);
      if (method === 'GET') assert.deepEqual(new Uint8Array(await served.arrayBuffer()), polyglot, 'the bytes are the upload');
    }

    const unsigned = new URL(originalUrl);
    unsigned.search = '';
    const refused = await fetch(unsigned);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-content-type-options'), 'nosniff', 'refusals too');
  });
});
