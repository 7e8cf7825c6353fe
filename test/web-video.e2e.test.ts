import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, MEDIA_FIELDS } from './support/graphql-client.ts';
import { CONTRAST_AUDIT, LABEL_AUDIT, ARTIFACTS, startWebStack, type WebStack } from './support/web-page.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const clip = resolve(import.meta.dirname, 'fixtures/video/chaplin-bw-192x108-2s.mp4');
/** Stages with no model: the page is the point, not the restoration. */
const QUICK = { scale: 1, colorize: 'OFF', repair: 'OFF', frameRateFactor: 1 };
const shots = join(ARTIFACTS, 'web-video');
const pathOf = (url: string) => new URL(url, 'http://x').pathname;

interface MediaState {
  status: string;
  stages: Array<{ stage: string; status: string }>;
  originalPreview: { url: string } | null;
}

/** The two videos of the viewer and their clocks, read in one go in the page. */
const VIEWER_CLOCKS = `(() => {
  const original = document.querySelector('.viewer-before video');
  const restored = document.querySelector('.viewer-canvas > video');
  return { original: original.currentTime, restored: restored.currentTime, duration: restored.duration, playing: !original.paused && !restored.paused, seeking: original.seeking || restored.seeking };
})()`;
interface Clocks {
  original: number;
  restored: number;
  duration: number;
  playing: boolean;
  seeking: boolean;
}

/** Polls the viewer's clocks from here (the page's CSP forbids the string evaluation waitForFunction would need). */
async function clocksWhen(page: Page, ok: (c: Clocks) => boolean, what: string, timeoutMs = 30_000): Promise<Clocks> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const clocks = (await page.evaluate(VIEWER_CLOCKS)) as Clocks;
    if (ok(clocks)) return clocks;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(clocks)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the web page with videos and stopped items: the synchronised video viewer, even cards, originals on stopped cards, the original as a download (real Chromium, real stack)', () => {
  let web: WebStack;
  let stack: LocalStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  const pageErrors: string[] = [];
  const ids = { video: '', photo: '', stoppedVideo: '', stoppedPhoto: '' };

  const call = () => ({ token: stack.token });
  const cardOf = (target: Page, id: string): Locator => target.locator(`li.card[data-media-id="${id}"]`);
  const mediaOf = async (id: string) =>
    (
      await query<{ media: MediaState | null }>(
        stack.graphqlUrl,
        `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} originalPreview { url } } }`,
        { id },
        call(),
      )
    ).data!.media;
  async function until(id: string, done: (m: MediaState) => boolean, what: string): Promise<MediaState> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const m = await mediaOf(id);
      if (m && done(m)) return m;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(m)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const upload = async (file: string, options: Record<string, unknown>) => {
    const result = await uploadFile(stack.graphqlUrl, file, options, undefined, call());
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data!.uploadMedia.id as string;
  };
  const watch = (target: Page) => {
    target.on('pageerror', (error) => pageErrors.push(error.message));
    target.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  };
  /** Lazy pictures load as they near the screen; a full-page screenshot shows every one. */
  const loadEveryPicture = async (target: Page) => {
    await target.evaluate(() => document.querySelectorAll('img[loading="lazy"]').forEach((img) => img.setAttribute('loading', 'eager')));
    await target.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0), undefined, {
      timeout: 30_000,
    });
  };

  before(async () => {
    web = await startWebStack('web-video');
    ({ stack, origin, browser } = web);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((token) => localStorage.setItem('revive.token', token), stack.token);
    page = await context.newPage();
    watch(page);
  });
  after(() => web?.stop());

  it('restores a small video and a photo, and stops a video and a photo midway', { timeout: 300_000 }, async () => {
    // Held at colorize, the stopped pair has its original's preview (made by preprocess) and no result.
    stack.services.colorize.pause();
    try {
      ids.stoppedVideo = await upload(clip, { ...QUICK, colorize: 'ON' });
      ids.stoppedPhoto = await upload(greyPhoto, { ...QUICK, colorize: 'ON' });
      for (const id of [ids.stoppedVideo, ids.stoppedPhoto]) {
        await until(id, (m) => m.originalPreview !== null, "the original's preview");
        await query(stack.graphqlUrl, 'mutation ($id: ID!) { cancelMedia(id: $id) { id } }', { id }, call());
      }
    } finally {
      stack.services.colorize.resume();
    }
    ids.video = await upload(clip, QUICK);
    ids.photo = await upload(greyPhoto, QUICK);
    for (const id of [ids.video, ids.photo])
      assert.equal((await until(id, (m) => m.status === 'COMPLETED' || m.status === 'FAILED', 'the item to finish')).status, 'COMPLETED');
    assert.equal((await mediaOf(ids.stoppedVideo))!.status, 'CANCELLED');
  });

  it(
    'plays the finished video full screen, both videos in step after play and after a seek; the wipe follows the keyboard',
    { timeout: 120_000 },
    async () => {
      await page.goto(`${origin}/`);
      const card = cardOf(page, ids.video).and(page.locator('[data-status="COMPLETED"]'));
      await card.waitFor({ timeout: 30_000 });
      await card.getByRole('button', { name: 'View full screen' }).click();
      const viewer = page.getByRole('dialog');
      await viewer.waitFor();
      await page
        .waitForFunction(
          () => [...document.querySelectorAll<HTMLVideoElement>('.viewer-stage video')].every((v) => v.readyState >= 3),
          undefined,
          {
            timeout: 30_000,
          },
        )
        .catch(() => assert.fail('timed out waiting for both videos of the viewer to be ready to play'));
      assert.equal(await viewer.locator('.viewer-before video').count(), 1, 'the original under the wipe');

      await viewer.getByRole('button', { name: 'Play', exact: true }).click();
      // Read away from the loop's seam, where one clock has wrapped and the other not yet.
      const playing = await clocksWhen(
        page,
        (c) => c.playing && c.restored > 0.3 && c.restored < c.duration - 0.5,
        'both videos playing mid-clip',
      );
      assert.ok(Math.abs(playing.original - playing.restored) < 0.25, `in step while playing: ${JSON.stringify(playing)}`);
      await page.screenshot({ path: join(shots, 'viewer-video-1280.png') });

      await viewer.getByRole('button', { name: 'Pause', exact: true }).click();
      await viewer.getByRole('slider', { name: /^Position in/ }).fill('750');
      const sought = await clocksWhen(
        page,
        (c) => !c.playing && !c.seeking && Math.abs(c.restored - 0.75 * c.duration) < 0.1 && Math.abs(c.original - c.restored) < 0.1,
        'both videos at three quarters after the seek',
      );
      assert.ok(sought.original > 1, `the original followed the seek: ${JSON.stringify(sought)}`);

      const wipe = viewer.getByRole('slider', { name: 'Before and after' });
      const wipeAt = () => page.evaluate(() => (document.querySelector('.viewer-canvas') as HTMLElement).style.getPropertyValue('--wipe'));
      const before = await wipeAt();
      await wipe.focus();
      for (let i = 0; i < 10; i += 1) await page.keyboard.press('ArrowRight');
      assert.equal(await wipe.inputValue(), '60');
      assert.equal(await viewer.locator('.viewer-divider').evaluate((el) => el.style.left), '60%');
      assert.ok(parseFloat(await wipeAt()) > parseFloat(before), `the wipe over the videos moved right: ${before} → ${await wipeAt()}`);

      assert.deepEqual(await page.evaluate(LABEL_AUDIT), [], 'every control of the viewer has a name');
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
      assert.ok(
        await card.getByRole('button', { name: 'View full screen' }).evaluate((el) => el === document.activeElement),
        'focus returns',
      );
    },
  );

  it("shows the original's preview on stopped cards, photo and video", { timeout: 60_000 }, async () => {
    for (const id of [ids.stoppedVideo, ids.stoppedPhoto]) {
      const card = cardOf(page, id).and(page.locator('[data-status="CANCELLED"]'));
      await card.scrollIntoViewIfNeeded();
      const picture = card.locator('.original-only img');
      await page
        .waitForFunction((el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0, await picture.elementHandle(), {
          timeout: 15_000,
        })
        .catch(() => assert.fail(`timed out waiting for the original's picture on ${id} to load`));
      const media = (await mediaOf(id))!;
      assert.equal(pathOf((await picture.getAttribute('src'))!), pathOf(media.originalPreview!.url), 'the small preview, not the original');
      assert.match((await picture.getAttribute('alt'))!, /the original \(not restored\)/);
    }
  });

  it(
    'lines up the cards of a row at one height, with every finished card folding its steps, at 1280 and 390 px',
    { timeout: 60_000 },
    async () => {
      const rows = await page.evaluate(() => {
        const byTop = new Map<number, number[]>();
        for (const card of document.querySelectorAll('li.card')) {
          const box = card.getBoundingClientRect();
          byTop.set(Math.round(box.top), [...(byTop.get(Math.round(box.top)) ?? []), box.height]);
        }
        return [...byTop.values()];
      });
      assert.ok(
        rows.some((row) => row.length >= 2),
        `two cards side by side at 1280 px: ${JSON.stringify(rows)}`,
      );
      for (const row of rows) assert.ok(Math.max(...row) - Math.min(...row) < 1, `one height per row: ${JSON.stringify(rows)}`);
      const open = await page.locator('li.card details.steps-box').evaluateAll((boxes) => boxes.map((b) => (b as HTMLDetailsElement).open));
      assert.deepEqual(open, [false, false, false, false], 'finished, cancelled: all folded alike');
      await loadEveryPicture(page);
      await page.screenshot({ path: join(shots, 'library-even-1280.png'), fullPage: true });

      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      try {
        await phone.addInitScript((token) => localStorage.setItem('revive.token', token), stack.token);
        const small = await phone.newPage();
        watch(small);
        await small.goto(`${origin}/`);
        await cardOf(small, ids.stoppedPhoto).locator('.original-only img').waitFor();
        assert.equal(await small.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing sticks out sideways');
        await loadEveryPicture(small);
        await small.screenshot({ path: join(shots, 'library-even-390.png'), fullPage: true });
      } finally {
        await phone.close();
      }
    },
  );

  it('downloads the original as uploaded, under its own name, from a finished and from a stopped card', { timeout: 60_000 }, async () => {
    // A fresh page: the buttons work after a reload, whatever an earlier test left open.
    await page.reload();
    await cardOf(page, ids.video).getByRole('button', { name: 'Download original' }).waitFor({ timeout: 30_000 });
    for (const [id, file] of [
      [ids.video, clip],
      [ids.stoppedPhoto, greyPhoto],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 15_000 }),
        cardOf(page, id).getByRole('button', { name: 'Download original' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), basename(file));
      assert.ok((await readFile((await download.path())!)).equals(await readFile(file)), `${basename(file)}: the bytes uploaded`);
    }
  });

  it('keeps every control labelled, text contrast at 4.5:1 or more, and the console clean', { timeout: 30_000 }, async () => {
    assert.deepEqual(await page.evaluate(LABEL_AUDIT), []);
    const audit = (await page.evaluate(CONTRAST_AUDIT)) as { checked: number; failures: string[] };
    assert.ok(audit.checked > 20, `audited ${audit.checked} elements`);
    assert.deepEqual(audit.failures, []);
    assert.deepEqual(pageErrors, []);
  });
});
