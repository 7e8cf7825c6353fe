import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSchema, createYoga } from 'graphql-yoga';
import { webRoute } from './web-route.ts';

const INDEX = '<!doctype html><title>Revive</title><script type="module" src="/assets/index-abc123.js"></script>';

// A Yoga with the route and a stand-in for the routes it must leave alone, as yoga.ts orders them.
function gateway(distDir: string) {
  return createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
    graphqlEndpoint: '/graphql',
    logging: false,
    plugins: [webRoute('/graphql', distDir)],
  });
}

const get = (yoga: ReturnType<typeof gateway>, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  yoga.fetch(`http://gateway.test${path}`, { method, headers });

describe('webRoute: the web page at / beside the API', () => {
  let dist: string;
  let yoga: ReturnType<typeof gateway>;
  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'revive-web-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), INDEX);
    await writeFile(join(dist, 'assets/index-abc123.js'), 'console.log("revive")');
    await writeFile(join(dist, 'assets/index-def456.css'), 'body{}');
    await writeFile(join(dist, '.build-stamp'), 'digest');
    // A file that would shadow the API if the route looked at dist/ first.
    await writeFile(join(dist, 'graphql'), 'not the API');
    yoga = gateway(dist);
  });
  after(() => rm(dist, { recursive: true, force: true }));

  it('serves index.html at / as HTML, revalidated every time, with a CSP and no referrer', async () => {
    const response = await get(yoga, '/');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(await response.text(), INDEX);
  });

  it('serves hashed assets with their content types, cached for a year', async () => {
    const js = await get(yoga, '/assets/index-abc123.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await js.text(), 'console.log("revive")');
    const css = await get(yoga, '/assets/index-def456.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  });

  it('answers HEAD without a body and a matching If-None-Match with 304', async () => {
    const head = await get(yoga, '/', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(INDEX.length));
    assert.equal(await head.text(), '');
    const etag = head.headers.get('etag');
    assert.ok(etag);
    assert.equal((await get(yoga, '/', { 'if-none-match': etag })).status, 304);
  });

  it('falls back to index.html for page paths a browser navigates to, and 404s missing files', async () => {
    const page = await get(yoga, '/media/123', { accept: 'text/html,application/xhtml+xml' });
    assert.equal(page.status, 200);
    assert.equal(await page.text(), INDEX);
    assert.equal((await get(yoga, '/media/123', { accept: 'application/json' })).status, 404);
    const missing = await get(yoga, '/assets/gone-000.js', { accept: 'text/html' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'text/plain; charset=utf-8');
  });

  it('never shadows /graphql, /objects/, /healthz or /readyz', async () => {
    const graphql = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ok }' }),
    });
    assert.deepEqual(await graphql.json(), { data: { ok: true } });
    // GET /graphql from a browser is Yoga's GraphiQL, not our page nor the decoy file.
    const graphiql = await get(yoga, '/graphql', { accept: 'text/html' });
    assert.doesNotMatch(await graphiql.text(), /not the API|<title>Revive<\/title>/);
    for (const path of ['/objects/media/x/original', '/healthz', '/readyz', '/graphql/stream']) {
      const response = await get(yoga, path, { accept: 'text/html' });
      assert.notEqual(await response.text(), INDEX, path);
    }
  });

  it('refuses paths that leave dist/ or name hidden files', async () => {
    for (const path of ['/%2e%2e/package.json', '/assets/..%2F..%2Fpackage.json', '/.build-stamp', '/assets/%E0%A4%A', '/assets/%00.js']) {
      const response = await get(yoga, path, { accept: 'text/html' });
      assert.equal(response.status, 404, path);
      assert.equal(await response.text(), 'not found\n', path);
    }
  });

  it('says how to build the page when dist/ is empty, with a clean 404', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'revive-web-empty-'));
    try {
      const response = await get(gateway(join(empty, 'dist')), '/', { accept: 'text/html' });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.match(await response.text(), /npm run web:build/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
