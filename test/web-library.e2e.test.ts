import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, MEDIA_FIELDS } from './support/graphql-client.ts';
import { ARTIFACTS, startWebStack, type WebStack } from './support/web-page.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const clip = resolve(import.meta.dirname, 'fixtures/video/chaplin-bw-192x108-2s.mp4');

/** A JPEG's pixel size from its first start-of-frame marker; null when the bytes are no JPEG. */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    // SOF0–SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return null;
}

const LIBRARY_FIELDS = `id status width height options { scale }
  resultPreview { url width height } originalPreview { url width height } resultSize { width height bytes }`;
interface LibraryMedia {
  id: string;
  status: string;
  width: number | null;
  height: number | null;
  options: { scale: number };
  resultPreview: { url: string; width: number; height: number } | null;
  originalPreview: { url: string; width: number; height: number } | null;
  resultSize: { width: number; height: number; bytes: number } | null;
}
const pathOf = (url: string) => new URL(url, 'http://x').pathname;
const shots = join(ARTIFACTS, 'web-library');

interface MediaState {
  status: string;
  stages: Array<{ stage: string; status: string }>;
}

describe('the web library end to end: cancel, retry after a reload, delete for good, the full-screen viewer (real Chromium, real stack)', () => {
  let web: WebStack;
  let stack: LocalStack;
  let stateDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
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
  const libraryMediaOf = async (id: string) =>
    (
      await query<{ media: LibraryMedia | null }>(
        stack.graphqlUrl,
        `query ($id: ID!) { media(id: $id) { ${LIBRARY_FIELDS} } }`,
        { id },
        call(),
      )
    ).data!.media!;
  const upload = async (options: Record<string, unknown>, file = greyPhoto) => {
    const result = await uploadFile(stack.graphqlUrl, file, options, undefined, call());
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data!.uploadMedia.id as string;
  };

  before(async () => {
    web = await startWebStack('web-library', { REVIVE_ACK_WAIT_SECONDS: '5' });
    ({ stack, origin, browser, stateDir } = web);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Signed in as the page keeps it: the token in this origin's storage.
    await context.addInitScript((token) => {
      if (!localStorage.getItem('revive.token')) localStorage.setItem('revive.token', token);
    }, stack.token);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(() => web?.stop());

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

  it(
    'shows small lazy previews on a finished card, with the file size; the full size only in the viewer',
    { timeout: 60_000 },
    async () => {
      const card = page.locator('li.card[data-status="COMPLETED"]').first();
      const id = (await card.getAttribute('data-media-id'))!;
      const media = await libraryMediaOf(id);
      assert.ok(media.resultPreview && media.originalPreview && media.resultSize, JSON.stringify(media));
      const after = card.locator('img.compare-after');
      const before = card.locator('.compare-before img');
      assert.equal(pathOf((await after.getAttribute('src'))!), pathOf(media.resultPreview.url), 'the result preview, not the result');
      assert.equal(pathOf((await before.getAttribute('src'))!), pathOf(media.originalPreview.url));
      assert.equal(await after.getAttribute('loading'), 'lazy');
      assert.equal(await after.getAttribute('width'), String(media.resultPreview.width), 'its size reserved before it loads');
      assert.equal(await after.getAttribute('height'), String(media.resultPreview.height));
      const details = (await card.locator('.card-details').innerText()).replace(/\s/g, ' ');
      assert.match(details, /\d+(\.\d)? (B|kB|MB)$/, `the result's file size: ${details}`);
      assert.match(details, new RegExp(`${media.resultSize.width} × ${media.resultSize.height} px`));
    },
  );

  it("downloads the finished photo as a JPEG of the result's size", { timeout: 60_000 }, async () => {
    const card = page.locator('li.card[data-status="COMPLETED"]').first();
    const media = await libraryMediaOf((await card.getAttribute('data-media-id'))!);
    await card.getByLabel(/Download format/).selectOption('JPEG');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: 'Download', exact: true }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.revive\.jpg$/);
    const bytes = await readFile((await download.path())!);
    assert.deepEqual(jpegSize(bytes), { width: media.resultSize!.width, height: media.resultSize!.height }, 'a JPEG, at full size');
  });

  it('restores a finished photo again at another scale; the new item appears on top', { timeout: 180_000 }, async () => {
    const card = page.locator('li.card[data-status="COMPLETED"]').first();
    const firstId = (await card.getAttribute('data-media-id'))!;
    const first = await libraryMediaOf(firstId);
    assert.equal(first.options.scale, 1);
    await card.getByRole('button', { name: 'Restore again…' }).click();
    await card.getByLabel('Enlarge').selectOption('2');
    await card.getByRole('button', { name: 'Restore', exact: true }).click();
    const top = page.locator('li.card').first();
    await page.waitForFunction((id) => {
      const el = document.querySelector('li.card');
      return el instanceof HTMLElement && el.dataset.mediaId && el.dataset.mediaId !== id;
    }, firstId);
    const newId = (await top.getAttribute('data-media-id'))!;
    await cardOf(newId).and(page.locator('[data-status="COMPLETED"]')).waitFor({ timeout: 150_000 });
    const again = await libraryMediaOf(newId);
    assert.equal(again.options.scale, 2);
    assert.equal(again.resultSize!.width, 2 * first.resultSize!.width, 'twice as large as the first restoration');
    assert.equal((await libraryMediaOf(firstId)).status, 'COMPLETED', 'the first item is untouched');
  });

  it('filters by state and downloads the selected items as one ZIP', { timeout: 60_000 }, async () => {
    await page.getByLabel('Show', { exact: true }).selectOption('failed');
    await page.getByText('Nothing matches this filter.').waitFor();
    await page.getByLabel('Show', { exact: true }).selectOption('ready');
    await page.waitForFunction(() => {
      const cards = [...document.querySelectorAll<HTMLElement>('li.card')];
      return cards.length > 0 && cards.every((c) => c.dataset.status === 'COMPLETED');
    });
    const ready = page.locator('li.card');
    assert.ok((await ready.count()) >= 2, 'both finished photos are shown');
    await ready.nth(0).locator('.card-select').check();
    await ready.nth(1).locator('.card-select').check();
    const bar = page.getByRole('region', { name: 'Selected items' });
    await bar.getByText('2 selected').waitFor();
    const [zip] = await Promise.all([page.waitForEvent('download'), bar.getByRole('button', { name: 'Download as one ZIP' }).click()]);
    const bytes = await readFile((await zip.path())!);
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a ZIP');
    await page.getByLabel('Show', { exact: true }).selectOption('all');
    await page.locator('li.card[data-status="CANCELLED"]').first().waitFor();
    assert.equal(await bar.isVisible(), false, 'a new list starts with nothing selected');
  });

  it('opens the finished photo full screen and zooms to 1:1 pixels by keyboard, button and wheel', { timeout: 60_000 }, async () => {
    const card = page.locator('li.card[data-status="COMPLETED"]').first();
    await card.getByRole('button', { name: 'View full screen' }).click();
    const viewer = page.getByRole('dialog');
    await viewer.waitFor();
    const stage = viewer.locator('.viewer-stage');
    await page.waitForFunction(() => ((document.querySelector('.viewer-canvas > img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    // The picture's size is known a moment before its load event fits it to the screen.
    await page.waitForFunction(() => document.querySelector('.viewer-zoom')?.textContent === 'Fit');
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

  it('shows a running video with its whole-job progress at 1280 and 390 px', { timeout: 180_000 }, async () => {
    stack.services.colorize.pause();
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const id = await upload({ scale: 1, colorize: 'ON', repair: 'OFF', frameRateFactor: 1 }, clip);
      await until(id, (m) => m.stages.some((s) => s.stage === 'PREPROCESS' && s.status === 'DONE'), 'preprocess');
      await page.reload();
      const card = cardOf(id);
      await card.and(page.locator('[data-status="PROCESSING"]')).waitFor();
      await card.scrollIntoViewIfNeeded();
      const line = await card.locator('.progress-line').innerText();
      await page.screenshot({ path: join(shots, 'running-video-1280.png') });
      await phone.addInitScript((token) => localStorage.setItem('revive.token', token), stack.token);
      const small = await phone.newPage();
      await small.goto(`${origin}/`);
      const smallCard = small.locator(`li.card[data-media-id="${id}"]`);
      await smallCard.waitFor();
      await smallCard.scrollIntoViewIfNeeded();
      await small.screenshot({ path: join(shots, 'running-video-390.png') });
      assert.match(line, /so far|Waiting/, `elapsed time on the running line: ${line}`);
      await query(stack.graphqlUrl, 'mutation ($id: ID!) { cancelMedia(id: $id) { id } }', { id }, call());
    } finally {
      await phone.close();
      stack.services.colorize.resume();
    }
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

  it('deletes several selected items at once, after one confirm', { timeout: 60_000 }, async () => {
    await page.reload();
    const picked = [page.locator('li.card[data-status="CANCELLED"]').first(), page.locator('li.card[data-status="COMPLETED"]').first()];
    const ids: string[] = [];
    for (const card of picked) {
      await card.waitFor();
      ids.push((await card.getAttribute('data-media-id'))!);
      await card.locator('.card-select').check();
    }
    const bar = page.getByRole('region', { name: 'Selected items' });
    await bar.getByRole('button', { name: 'Delete selected' }).click();
    await bar.getByText('Delete these 2 items for good?').waitFor();
    await bar.getByRole('button', { name: 'Delete them for good' }).click();
    for (const id of ids) await cardOf(id).waitFor({ state: 'detached' });
    for (const id of ids) assert.equal(await mediaOf(id), null, 'gone on the server');
    await bar.waitFor({ state: 'hidden' });
    assert.deepEqual(pageErrors, []);
  });
});
