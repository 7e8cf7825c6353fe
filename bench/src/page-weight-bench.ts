import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Route } from 'playwright-core';
import { build } from 'vite';
import { defaultStateDir, repoRoot } from '@revive/config';
import { startLocalStack, type LocalStack } from '@revive/local-services';

/** What one page load cost: bytes over the wire and when it settled, from navigation start. */
export interface PageLoad {
  readonly bytes: number;
  readonly requests: number;
  /** Every card of the first page drawn with its pictures' space held. */
  readonly cardsMs: number;
  /** The last request of the load finished (none started for half a second after it). */
  readonly quietMs: number;
}

export interface PageWeightResult {
  readonly items: number;
  readonly current: { first: PageLoad; all: PageLoad };
  /** The page as it was before previews (the commit before them), on the same library in the same run. */
  readonly baseline: { first: PageLoad; all: PageLoad } | null;
}

// The page as it was before cards showed previews: full-size results, loaded eagerly.
const BASELINE_COMMIT = '347071c';
const QUIET_MS = 500;
const CHROMIUM = '/usr/bin/chromium';

/**
 * A library of `items` finished photos (noisy 1600×1000 JPEGs, restored at scale 1 so each result is a
 * full-size PNG of several MB), loaded in real Chromium with an empty cache, by this page and by
 * the page before previews, in the same run.
 */
export async function benchPageWeight(items: number): Promise<PageWeightResult> {
  const stateDir = await mkdtemp(join(tmpdir(), 'revive-page-weight-'));
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;
  try {
    stack = await startLocalStack({
      stateDir,
      persistent: false,
      // info: the stack waits for the services' "listening" lines.
      env: { REVIVE_MODELS_DIRS: join(defaultStateDir, 'models'), REVIVE_LOG_LEVEL: 'info' },
      onLine: () => undefined,
    });
    await fillLibrary(stack, items);
    const baselineDist = await buildBaselinePage(stateDir).catch((error: unknown) => {
      console.log(`  baseline: the page at ${BASELINE_COMMIT} could not be built (${String(error)}); measuring this page only`);
      return null;
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic'] });
    const origin = new URL(stack.graphqlUrl).origin;
    const measure = async (dist: string | null) => ({
      first: await loadOnce(browser!, origin, stack!.token, dist, false),
      all: await loadOnce(browser!, origin, stack!.token, dist, true),
    });
    const current = await measure(null);
    const baseline = baselineDist ? await measure(baselineDist) : null;
    return { items, current, baseline };
  } finally {
    await browser?.close();
    await stack?.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function fillLibrary(stack: LocalStack, items: number): Promise<void> {
  const photo = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');
  const started = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < items; i++) {
    // Grain, as a scanned print has: PNG cannot squeeze it, so a full-size result weighs what a real one does.
    const noise = await sharp({
      create: {
        width: 1600,
        height: 1000,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 24 + (i % 7) },
      },
    })
      .png()
      .toBuffer();
    const bytes = await sharp(photo)
      .resize(1600, 1000)
      .composite([{ input: noise, blend: 'soft-light' }])
      .jpeg({ quality: 90 })
      .toBuffer();
    ids.push(await upload(stack, bytes, `photo-${String(i + 1).padStart(2, '0')}.jpg`));
  }
  for (;;) {
    const statuses = await Promise.all(
      ids.map((id) => graphql<{ media: { status: string } }>(stack, 'query ($id: ID!) { media(id: $id) { status } }', { id })),
    );
    const done = statuses.filter((s) => s.media.status === 'COMPLETED').length;
    const stuck = statuses.find((s) => s.media.status === 'FAILED' || s.media.status === 'CANCELLED');
    if (stuck) throw new Error(`an item of the library did not finish: ${stuck.media.status}`);
    if (done === items) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`  library: ${items} photos restored in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const HEADERS = { 'x-graphql-yoga-csrf': 'bench', 'graphql-preflight': '1' };

async function graphql<T>(stack: LocalStack, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { ...HEADERS, authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function upload(stack: LocalStack, bytes: Buffer, filename: string): Promise<string> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation ($file: File!, $options: EnhanceOptions) { uploadMedia(file: $file, options: $options) { id } }',
      variables: { file: null, options: { scale: 1, colorize: 'OFF', repair: 'OFF' } },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), filename);
  const response = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { ...HEADERS, authorization: `Bearer ${stack.token}` },
    body: form,
  });
  const body = (await response.json()) as { data?: { uploadMedia: { id: string } }; errors?: unknown };
  if (!body.data) throw new Error(`upload refused: ${JSON.stringify(body.errors)}`);
  return body.data.uploadMedia.id;
}

/** services/web as it was at BASELINE_COMMIT, built with this checkout's Vite and packages. */
async function buildBaselinePage(stateDir: string): Promise<string> {
  const dir = join(stateDir, 'baseline');
  execFileSync('sh', [
    '-c',
    `mkdir -p "${dir}" && git -C "${repoRoot}" archive ${BASELINE_COMMIT} services/web tsconfig.base.json | tar -x -C "${dir}"`,
  ]);
  const root = join(dir, 'services/web');
  await symlink(resolve(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir: join(root, 'dist'), emptyOutDir: true },
  });
  return join(root, 'dist');
}

/**
 * One visit with an empty cache. `dist` swaps the page's own files (its HTML and bundles) for
 * another build's; the API and the pictures come from the gateway as usual. `all` shows every
 * item (Show older until there is none) and scrolls to the end, so lazy pictures load too.
 */
async function loadOnce(browser: Browser, origin: string, token: string, dist: string | null, all: boolean): Promise<PageLoad> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addInitScript((t) => localStorage.setItem('revive.token', t), token);
    if (dist) {
      await context.route(
        (url) => url.origin === origin && (url.pathname === '/' || url.pathname.startsWith('/assets/')),
        (route: Route) =>
          route.fulfill({
            path: join(dist, new URL(route.request().url()).pathname === '/' ? 'index.html' : new URL(route.request().url()).pathname),
          }),
      );
    }
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    let requests = 0;
    let inFlight = 0;
    let lastActivity = 0;
    let start = 0;
    cdp.on('Network.requestWillBeSent', () => {
      requests += 1;
      inFlight += 1;
      lastActivity = performance.now();
    });
    const finished = (length: number) => {
      bytes += length;
      inFlight = Math.max(0, inFlight - 1);
      lastActivity = performance.now();
    };
    cdp.on('Network.loadingFinished', (e) => finished(e.encodedDataLength));
    cdp.on('Network.loadingFailed', () => finished(0));
    const quiet = async () => {
      while (inFlight > 0 || performance.now() - lastActivity < QUIET_MS) await new Promise((r) => setTimeout(r, 50));
      return lastActivity - start;
    };
    start = performance.now();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => {
      const cards = [...document.querySelectorAll('li.card')];
      return cards.length > 0 && cards.every((c) => c.querySelector('.card-result')?.hasChildNodes());
    });
    const cardsMs = performance.now() - start;
    if (all) {
      const more = page.locator('.load-more');
      while (await more.isVisible()) {
        const before = await page.locator('li.card').count();
        await more.click();
        await page.waitForFunction((n) => document.querySelectorAll('li.card').length > n, before);
      }
      for (let y = 0; y < (await page.evaluate(() => document.body.scrollHeight)); y += 800) {
        await page.evaluate((top) => window.scrollTo(0, top), y);
        await page.waitForTimeout(50);
      }
    }
    const quietMs = await quiet();
    return { bytes, requests, cardsMs, quietMs };
  } finally {
    await context.close();
  }
}
