import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { defaultStateDir } from '@revive/config';
import { startLocalStack, type LocalStack } from '@revive/local-services';
import { query, uploadFile, MEDIA_FIELDS } from './support/graphql-client.ts';
import { launchChromium } from './support/web-page.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const artifacts = resolve(import.meta.dirname, '../test-artifacts');
const shots = join(artifacts, 'web-library');

interface MediaState {
  status: string;
  stages: Array<{ stage: string; status: string }>;
}

describe('the web library end to end: cancel, retry after a reload, delete for good, the full-screen viewer (real Chromium, real stack)', () => {
  let stack: LocalStack;
  let stateDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  const logs: string[] = [];
  const pageErrors: string[] = [];

  const call = () => ({ token: stack.token });
  const cardOf = (id: string): Locator => page.locator(`li.card[data-media-id="${id}"]`);
  const mediaOf = async (id: string) =>
    (await query<{ media: MediaState | null }>(stack.graphqlUrl, `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`, { id }, call()))
      .data!.media;
  async function until(id: string, done: (m: MediaState) => boolean, what: string): Promise<MediaState> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const m = await mediaOf(id);
      if (m && done(m)) return m;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(m)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const upload = async (options: Record<string, unknown>) => {
    const result = await uploadFile(stack.graphqlUrl, greyPhoto, options, undefined, call());
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data!.uploadMedia.id as string;
  };

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'revive-web-library-'));
    await rm(shots, { recursive: true, force: true });
    await mkdir(shots, { recursive: true });
    stack = await startLocalStack({
      stateDir,
      persistent: false,
      env: {
        REVIVE_MODELS_DIRS: join(defaultStateDir, 'models'),
        REVIVE_LOG_LEVEL: 'info',
        REVIVE_INFERENCE_THREADS: '1',
        REVIVE_ACK_WAIT_SECONDS: '5',
      },
      onLine: (line) => logs.push(line),
    });
    origin = new URL(stack.graphqlUrl).origin;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Signed in as the page keeps it: the token in this origin's storage.
    await context.addInitScript((token) => {
      if (!localStorage.getItem('revive.token')) localStorage.setItem('revive.token', token);
    }, stack.token);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'web-library.e2e.log'), logs.join('\n'));
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('shows a loading state, then the empty one, and remembers the options chosen', async () => {
    await page.goto(`${origin}/`);
    await page.getByText('Nothing here yet').waitFor();
    assert.equal(await page.locator('.library-loading').isVisible(), false);
    await page.getByLabel('Enlarge').selectOption('4');
    await page.reload();
    await page.getByText('Nothing here yet').waitFor();
    assert.equal(await page.getByLabel('Enlarge').inputValue(), '4', 'the choice survives a reload');
    await page.getByLabel('Enlarge').selectOption('2');
  });

  it('cancels a running item from its card', { timeout: 180_000 }, async () => {
    // Held at colorize, the item is PROCESSING (preprocess done) for as long as the test needs.
    stack.services.colorize.pause();
    try {
      const id = await upload({ scale: 1, colorize: 'ON', repair: 'OFF' });
      await until(id, (m) => m.stages.some((s) => s.stage === 'PREPROCESS' && s.status === 'DONE'), 'preprocess');
      await page.reload();
      const card = cardOf(id);
      await card.and(page.locator('[data-status="PROCESSING"]')).waitFor();
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, 'running-1280.png') });
      await card.getByRole('button', { name: 'Cancel' }).click();
      await card.and(page.locator('[data-status="CANCELLED"]')).waitFor();
      assert.equal((await mediaOf(id))!.status, 'CANCELLED');
      assert.equal(await card.getByRole('button', { name: 'Cancel' }).isVisible(), false, 'nothing left to cancel');
    } finally {
      stack.services.colorize.resume();
    }
  });

  it('retries a failed item after a reload with retryMedia, not a new upload', { timeout: 240_000 }, async () => {
    // Spoil preprocess's intermediate while colorize is held: colorize refuses it and the item fails.
    stack.services.colorize.pause();
    let id: string;
    let spoiled: { path: string; bytes: Buffer };
    try {
      id = await upload({ scale: 1, colorize: 'ON', repair: 'OFF' });
      await until(id, (m) => m.stages.some((s) => s.stage === 'PREPROCESS' && s.status === 'DONE'), 'preprocess');
      const dir = join(stateDir, 'objects', 'media', id);
      const [intermediate] = (await readdir(dir)).filter((f) => !f.startsWith('original')).sort();
      assert.ok(intermediate, 'preprocess wrote an intermediate');
      spoiled = { path: join(dir, intermediate), bytes: await readFile(join(dir, intermediate)) };
      await writeFile(spoiled.path, spoiled.bytes.subarray(0, Math.floor(spoiled.bytes.length / 2)));
    } finally {
      stack.services.colorize.resume();
    }
    await until(id, (m) => m.status === 'FAILED', 'the item to fail');
    await writeFile(spoiled.path, spoiled.bytes);

    await page.reload();
    const card = cardOf(id);
    await card.and(page.locator('[data-status="FAILED"]')).waitFor();
    assert.equal(await card.getByText('add the same file again').count(), 0);
    let uploads = 0;
    page.on('request', (r) => {
      if ((r.headers()['content-type'] ?? '').startsWith('multipart/form-data')) uploads += 1;
    });
    await card.getByRole('button', { name: 'Try again' }).click();
    await card.and(page.locator('[data-status="COMPLETED"]')).waitFor({ timeout: 180_000 });
    assert.equal(uploads, 0, 'retried on the server, not uploaded again');
    assert.equal((await mediaOf(id))!.status, 'COMPLETED');
  });

  it('opens the finished photo full screen and zooms to 1:1 pixels by keyboard, button and wheel', { timeout: 60_000 }, async () => {
    const card = page.locator('li.card[data-status="COMPLETED"]').first();
    await card.getByRole('button', { name: 'View full screen' }).click();
    const viewer = page.getByRole('dialog');
    await viewer.waitFor();
    const stage = viewer.locator('.viewer-stage');
    await page.waitForFunction(() => ((document.querySelector('.viewer-canvas > img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    assert.equal(await viewer.locator('.viewer-zoom').innerText(), 'Fit');
    assert.ok(await stage.evaluate((el) => el === document.activeElement), 'focus moves into the viewer');
    await page.keyboard.press('1');
    // One picture pixel on one screen pixel: the drawn width equals the picture's own.
    const drawn = await viewer
      .locator('.viewer-canvas > img')
      .evaluate((img) => [img.getBoundingClientRect().width, (img as HTMLImageElement).naturalWidth]);
    assert.equal(Math.round(drawn[0]!), drawn[1]);
    assert.equal((await viewer.locator('.viewer-zoom').innerText()).replace(/\s/g, ' '), '100 %');
    await page.screenshot({ path: join(shots, 'viewer-1to1-1280.png') });
    await page.keyboard.press('0');
    assert.equal(await viewer.locator('.viewer-zoom').innerText(), 'Fit');
    await stage.hover();
    await page.mouse.wheel(0, -400);
    assert.notEqual(await viewer.locator('.viewer-zoom').innerText(), 'Fit', 'the wheel zooms in');
    await viewer.getByRole('button', { name: 'Actual pixels (1:1)' }).click();
    assert.equal(await stage.getAttribute('data-scale'), '1');
    // The wipe: its slider moves the divider over the picture.
    await viewer.getByRole('slider', { name: 'Before and after' }).fill('20');
    assert.equal(await viewer.locator('.viewer-divider').evaluate((el) => el.style.left), '20%');
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    assert.ok(
      await card.getByRole('button', { name: 'View full screen' }).evaluate((el) => el === document.activeElement),
      'focus returns',
    );
  });

  it('deletes an item after a confirm, and it stays gone after a reload', { timeout: 60_000 }, async () => {
    const card = page.locator('li.card[data-status="CANCELLED"]').first();
    const id = (await card.getAttribute('data-media-id'))!;
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByRole('button', { name: 'Keep it' }).click();
    assert.equal(await cardOf(id).count(), 1, 'kept when the person changes their mind');
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByRole('button', { name: 'Delete for good' }).click();
    await cardOf(id).waitFor({ state: 'detached' });
    assert.equal(await mediaOf(id), null, 'gone on the server');
    await page.reload();
    await page.locator('li.card').first().waitFor();
    assert.equal(await cardOf(id).count(), 0, 'and still gone after a reload');
    assert.deepEqual(pageErrors, []);
  });

  it('fits a 390 px phone: library and viewer', { timeout: 60_000 }, async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      await phone.addInitScript((token) => localStorage.setItem('revive.token', token), stack.token);
      const small = await phone.newPage();
      await small.goto(`${origin}/`);
      await small.locator('li.card[data-status="COMPLETED"]').first().waitFor();
      assert.equal(await small.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing sticks out sideways');
      await small.screenshot({ path: join(shots, 'library-390.png'), fullPage: true });
      await small.getByRole('button', { name: 'View full screen' }).first().click();
      await small.waitForFunction(
        () => ((document.querySelector('.viewer-canvas > img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0,
      );
      await small.screenshot({ path: join(shots, 'viewer-390.png') });
    } finally {
      await phone.close();
    }
    await page.screenshot({ path: join(shots, 'library-1280.png'), fullPage: true });
  });
});
