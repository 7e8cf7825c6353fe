import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import type { LocalStack } from '@revive/local-services';
import { REPAIR_NOT_ASKED } from '@revive/repair';
import { chromaOf } from './support/chroma.ts';
import { query, uploadFile } from './support/graphql-client.ts';
import { expectedStages } from './support/stages.ts';
import { stallReport } from './support/stall-report.ts';
import {
  CONTRAST_AUDIT,
  DROP_TWO_PICTURES,
  LABEL_AUDIT,
  ARTIFACTS,
  RECORD_PROGRESS,
  startWebStack,
  type WebStack,
} from './support/web-page.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const shots = join(ARTIFACTS, 'web');

describe('web page end to end: real headless Chromium against the real stack (gateway, nats-server, PostgreSQL, one process per stage)', () => {
  let web: WebStack;
  let stack: LocalStack;
  let browser: Browser;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  const shot = (target: Page, name: string) => target.screenshot({ path: join(shots, name), fullPage: true });
  const cardFor = (target: Page, filename: string): Locator =>
    target.locator('li.card', { has: target.locator('h3', { hasText: filename }) }).first();
  const watchPage = (target: Page) => {
    target.on('pageerror', (error) => pageErrors.push(error.message));
    // A Content-Security-Policy refusal is only a console message, yet means a broken page.
    target.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
    });
    target.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
  };

  /** Signs a fresh browser context in with the stack's user through the page's own sign-in form. */
  async function signIn(target: Page): Promise<void> {
    await target.locator('#sign-in').waitFor();
    await target.getByLabel('Access token').fill(stack.token);
    await Promise.all([target.waitForEvent('load'), target.getByRole('button', { name: 'Sign in' }).click()]);
  }

  before(async () => {
    web = await startWebStack('web', { REVIVE_ACK_WAIT_SECONDS: '5' });
    ({ stack, origin, browser } = web);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    watchPage(page);
  });
  after(() => web?.stop());

  it('serves the page at / and its hashed assets from the gateway, beside a working API', async () => {
    const response = await fetch(`${origin}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the built page links its bundle');
    const asset = await fetch(`${origin}${script}`);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    const api = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
      body: '{"query":"{ medias(first: 1) { edges { cursor } } }"}',
    });
    assert.deepEqual(await api.json(), { data: { medias: { edges: [] } } });
    const anonymous = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ medias(first: 1) { edges { cursor } } }"}',
    });
    assert.equal(anonymous.status, 401, 'the API itself asks for a token; the page and its assets do not');
    assert.equal(await (await fetch(`${origin}/healthz`)).text(), 'ok');
  });

  it(
    'uploads a grey photo through the file input, shows its steps live up to 100 %, then before/after, and downloads a result twice the size',
    { timeout: 240_000 },
    async () => {
      await page.goto(`${origin}/`);
      // The gateway asks for a token (REVIVE_AUTH=required): the page signs in with the stack's user, and keeps it.
      await signIn(page);
      await page.getByRole('heading', { name: 'Restore photos and videos' }).waitFor();
      await page.getByText('Nothing here yet').waitFor();
      assert.equal(await page.locator('#sign-in').isVisible(), false, 'signed in');
      await shot(page, '01-start.png');
      await page.evaluate(RECORD_PROGRESS);
      // Repair is not what this test is about: OFF, the stage hands the photo on unexamined.
      await page.getByLabel('Repair damage').selectOption('OFF');

      // Colorize holds still, so the page is seen mid-way: prepared, waiting for the next step.
      stack.services.colorize.pause();
      let card: Locator;
      try {
        await page.locator('#file-input').setInputFiles(greyPhoto);
        card = cardFor(page, 'brooklyn-bridge-1880s-grey-160.jpg');
        await card.locator('.step[data-stage="PREPROCESS"][data-status="DONE"]').waitFor({ timeout: 60_000 });
        assert.equal(await card.getAttribute('data-status'), 'PROCESSING');
        // "done in 0.4 s" needs the stage's start, which travels on core NATS and can be projected
        // after the done event on a loaded machine; then the step says just "done".
        assert.match(await card.locator('.step[data-stage="PREPROCESS"]').innerText(), /Prepare\s*:?\s*done/);
        await shot(page, '02-processing.png');
      } finally {
        stack.services.colorize.resume();
      }

      await page.locator('li.card[data-status="COMPLETED"]').waitFor({ timeout: 180_000 });
      const bar = card.getByRole('progressbar', { name: /Restoration progress/ });
      assert.equal(await bar.getAttribute('aria-valuenow'), '100');
      assert.match(await card.locator('.bar-percent').innerText(), /^100\s%$/);
      assert.deepEqual(
        await card
          .locator('.step')
          .evaluateAll((steps) => steps.map((s) => `${s.getAttribute('data-stage')}:${s.getAttribute('data-status')}`)),
        expectedStages('image', 'DONE', { repair: 'SKIPPED' }),
      );
      // Finished, the card folds its steps away; what they say is still there when opened.
      assert.equal(await card.locator('details.steps-box').getAttribute('open'), null, 'steps collapsed once finished');
      assert.match((await card.locator('.step[data-stage="REPAIR"]').textContent()) ?? '', new RegExp(`skipped: ${REPAIR_NOT_ASKED}`));
      // Colorize says what it did (for a toned print: that its tone was replaced, hence greyer).
      assert.match((await card.locator('.step[data-stage="COLORIZE"]').textContent()) ?? '', /added colour/);
      const seen = (await page.evaluate('window.__seen')) as { progress: number[]; status: string[] };
      assert.ok(
        seen.progress.some((v) => v > 0 && v < 100),
        `intermediate progress shown: ${seen.progress.join(',')}`,
      );
      assert.deepEqual(
        [...seen.progress].sort((a, b) => a - b),
        seen.progress,
        'the bar never goes backwards',
      );
      assert.equal(seen.progress.at(-1), 100);
      assert.deepEqual(
        [...new Set(seen.status)],
        ['uploading', 'checking', 'QUEUED', 'PROCESSING', 'COMPLETED'].filter((s) => seen.status.includes(s)),
      );
      assert.ok(seen.status.includes('PROCESSING') && seen.status.at(-1) === 'COMPLETED', seen.status.join(','));

      // Before/after: the original under the divider, the result twice as large.
      const compare = card.locator('figure.compare');
      await compare.waitFor();
      await page.waitForFunction(() =>
        [...document.querySelectorAll('figure.compare img')].every(
          (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
        ),
      );
      const sizes = await compare.locator('img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
      assert.deepEqual(sizes, [320, 160], 'after (restored) and before (original) both shown');
      await card.scrollIntoViewIfNeeded();
      await shot(page, '03-completed-before-after.png');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        // PNG unless another format is chosen beside the button.
        card.getByRole('button', { name: 'Download', exact: true }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'brooklyn-bridge-1880s-grey-160.revive.png');
      const saved = join(shots, download.suggestedFilename());
      await copyFile((await download.path())!, saved);
      const bytes = new Uint8Array(await readFile(saved));
      const [input, output] = [await sharp(greyPhoto).metadata(), await sharp(bytes).metadata()];
      assert.equal(output.format, 'png');
      assert.deepEqual([output.width, output.height], [input.width! * 2, input.height! * 2]);
      assert.ok((await chromaOf(bytes)) > 2, 'the downloaded result has colour');
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(foreignRequests, [], 'no CDN, font or other origin');
    },
  );

  it('moves the before/after divider from the keyboard, with a visible focus ring and a spoken value', async () => {
    const slider = page.getByRole('slider', { name: /Before and after/ });
    // Reached with Tab like any control, not only by clicking: start from the top of the page.
    await page.locator('#add-title').focus();
    for (let i = 0; i < 40 && !(await slider.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.ok(await slider.evaluate((el) => el === document.activeElement), 'Tab reaches the slider');
    const frame = page.locator('.compare-frame').first();
    assert.equal(await frame.evaluate((el) => getComputedStyle(el).outlineStyle), 'solid', 'the frame shows keyboard focus');
    const state = async () => ({
      value: await slider.inputValue(),
      text: (await slider.getAttribute('aria-valuetext'))?.replace(/\u00a0/g, ' '),
      position: await frame.evaluate((el) => el.style.getPropertyValue('--position')),
    });
    assert.deepEqual(await state(), { value: '50', text: '50 % original, 50 % restored', position: '50%' });
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    assert.deepEqual(await state(), { value: '45', text: '45 % original, 55 % restored', position: '45%' });
    await page.keyboard.press('End');
    assert.equal((await state()).position, '100%');
    await page.keyboard.press('Home');
    assert.equal((await state()).position, '0%');
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
    assert.equal((await state()).value, '30');
    // The original's clip follows: 30 % of the frame's width shows the original.
    const clip = await page
      .locator('.compare-before')
      .first()
      .evaluate((el) => getComputedStyle(el).clipPath);
    assert.match(clip, /inset\(0px (calc\(100% - 30%\)|70%) 0px 0px\)/);
    await frame.scrollIntoViewIfNeeded();
    await shot(page, '04-slider-keyboard.png');
  });

  it('shows the typed error for a text file renamed .jpg, retries it on request, and keeps working', { timeout: 60_000 }, async () => {
    await page
      .locator('#file-input')
      .setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a picture, whatever its name says') });
    const card = cardFor(page, 'notes.jpg');
    await page.locator('li.card[data-status="upload-failed"]').waitFor({ timeout: 30_000 });
    const alert = card.getByRole('alert');
    const text = await alert.innerText();
    assert.match(text, /not a photo or video Revive can read/);
    assert.match(text, /The file is neither an image nor a video/);
    assert.match(text, /UNSUPPORTED_MEDIA/);
    await card.scrollIntoViewIfNeeded();
    await shot(page, '05-invalid-file.png');

    // "Try again" sends the same file again; the server says the same, the page stays whole.
    let uploads = 0;
    const count = (request: { method(): string; url(): string; headers(): Record<string, string> }) => {
      if (
        request.method() === 'POST' &&
        request.url().endsWith('/graphql') &&
        (request.headers()['content-type'] ?? '').startsWith('multipart/form-data')
      )
        uploads += 1;
    };
    page.on('request', count);
    await card.getByRole('button', { name: 'Try again' }).click();
    await page.waitForFunction(() =>
      document.querySelector('li.card[data-status="upload-failed"] [role="alert"]')?.textContent?.includes('UNSUPPORTED_MEDIA'),
    );
    page.off('request', count);
    assert.equal(uploads, 1, 'one new upload of the same file');
    assert.equal(await page.locator('li.card[data-status="COMPLETED"]').count(), 1, 'the finished photo is still there');

    await card.getByRole('button', { name: 'Remove from this list' }).click();
    assert.equal(await cardFor(page, 'notes.jpg').count(), 0);
    assert.deepEqual(pageErrors, []);
  });

  it('takes several files dropped at once, each with the options chosen at that moment', { timeout: 120_000 }, async () => {
    await page.getByLabel('Enlarge').selectOption('4');
    await page.getByLabel('Add colour').selectOption('OFF');
    await page.getByLabel('Repair damage').selectOption('OFF');
    assert.equal(await page.evaluate(DROP_TWO_PICTURES), true, 'the zone lights up while files are dragged over it');
    for (const [name, width] of [
      ['dropped-48x32.png', 48],
      ['dropped-40x40.png', 40],
    ] as const) {
      const card = cardFor(page, name);
      await card.and(page.locator('[data-status="COMPLETED"]')).waitFor({ timeout: 90_000 });
      assert.equal(await card.locator('.card-meta').innerText(), 'Photo · enlarge 4× · no colour · no repair');
      assert.match((await card.locator('.step[data-stage="COLORIZE"]').textContent()) ?? '', /skipped: colour was not asked for/);
      assert.match((await card.locator('.step[data-stage="REPAIR"]').textContent()) ?? '', new RegExp(`skipped: ${REPAIR_NOT_ASKED}`));
      const id = (await card.getAttribute('data-media-id'))!;
      const { data } = await query<{ media: { options: { scale: number; colorize: string; repair: string } } }>(
        stack.graphqlUrl,
        'query ($id: ID!) { media(id: $id) { options { scale colorize repair } } }',
        { id },
        { token: stack.token },
      );
      assert.deepEqual(data!.media.options, { scale: 4, colorize: 'OFF', repair: 'OFF' }, 'the server got the options');
      await page.waitForFunction(
        (mediaId) =>
          ((document.querySelector(`li.card[data-media-id="${mediaId}"] img.compare-after`) as HTMLImageElement | null)?.naturalWidth ??
            0) > 0,
        id,
      );
      assert.equal(await card.locator('img.compare-after').evaluate((img) => (img as HTMLImageElement).naturalWidth), width * 4);
    }
    // Back to the defaults for whatever comes next.
    await page.getByLabel('Enlarge').selectOption('2');
    await page.getByLabel('Add colour').selectOption('AUTO');
    await page.getByLabel('Repair damage').selectOption('AUTO');
    assert.deepEqual(pageErrors, []);
  });

  it('fits a 375×812 phone screen: the gallery, its before/after and the upload controls, without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const small = await phone.newPage();
      watchPage(small);
      await small.goto(`${origin}/`);
      await signIn(small);
      // The gallery (medias query) brings back the finished photo from the first visit.
      await small.locator('li.card[data-status="COMPLETED"] figure.compare').first().waitFor({ timeout: 30_000 });
      // Pictures are lazy: those of the first finished card load, the ones further down wait for the scroll.
      const firstCompare = small.locator('li.card[data-status="COMPLETED"] figure.compare').first();
      await firstCompare.scrollIntoViewIfNeeded();
      await small.waitForFunction(
        (figure) => figure !== null && [...figure.querySelectorAll('img')].every((img) => img.naturalWidth > 0),
        await firstCompare.elementHandle(),
      );
      assert.equal(await small.evaluate(() => document.documentElement.scrollWidth), 375, 'nothing sticks out sideways');
      const box = await small.locator('figure.compare').first().boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 375, JSON.stringify(box));
      assert.ok(await small.getByText('Choose photos or videos').isVisible());
      await shot(small, '06-phone-375x812.png');
      await small.screenshot({ path: join(shots, '06-phone-375x812-viewport.png') });
      assert.deepEqual(pageErrors, []);
    } finally {
      await phone.close();
    }
  });

  it('has labels on every control and text contrast of at least 4.5:1', async () => {
    assert.deepEqual(await page.evaluate(LABEL_AUDIT), []);
    const audit = (await page.evaluate(CONTRAST_AUDIT)) as { checked: number; failures: string[] };
    assert.ok(audit.checked > 20, `audited ${audit.checked} elements`);
    assert.deepEqual(audit.failures, []);
    const live = await page.locator('[aria-live="polite"]').innerText();
    assert.match(live, /ready|notes\.jpg|brooklyn/i, 'progress was announced to screen readers');
  });

  it(
    'offers sign-in when the server answers 401, and then sends the token over HTTP and in graphql-ws connection_init',
    { timeout: 120_000 },
    async () => {
      // A fresh browser context has no token: the real gateway answers 401 until the page signs in.
      const secured = await browser.newContext({ viewport: { width: 1024, height: 800 } });
      try {
        const guarded = await secured.newPage();
        watchPage(guarded);
        const authorizations: string[] = [];
        await guarded.route(`${origin}/graphql`, async (route) => {
          const authorization = route.request().headers().authorization ?? '';
          authorizations.push(authorization);
          return route.continue();
        });
        const frames: string[] = [];
        guarded.on('websocket', (ws) => ws.on('framesent', ({ payload }) => frames.push(String(payload))));

        await guarded.goto(`${origin}/`);
        const form = guarded.locator('#sign-in');
        await form.waitFor();
        assert.equal(await guarded.locator('#app').isVisible(), false, 'nothing else until signed in');
        await guarded.getByLabel('Access token').fill('wrong-token');
        await guarded.getByRole('button', { name: 'Sign in' }).click();
        await guarded.getByText('That token was not accepted').waitFor();
        assert.equal(authorizations.at(-1), 'Bearer wrong-token');
        await shot(guarded, '07-sign-in.png');

        await guarded.getByLabel('Access token').fill(stack.token);
        await Promise.all([guarded.waitForEvent('load'), guarded.getByRole('button', { name: 'Sign in' }).click()]);
        await guarded.getByRole('button', { name: 'Sign out' }).waitFor();
        await guarded.locator('li.card[data-status="COMPLETED"]').first().waitFor();
        assert.equal(await guarded.locator('#sign-in').isVisible(), false);

        // An upload carries the header; its live progress carries the token in connection_init.
        await guarded.getByLabel('Repair damage').selectOption('OFF');
        await guarded.locator('#file-input').setInputFiles(greyPhoto);
        // The new card is on top, ahead of the finished ones the gallery brought back.
        await guarded.locator('li.card:first-child[data-status="COMPLETED"]').waitFor({ timeout: 120_000 });
        const init = frames.map((f) => JSON.parse(f) as { type: string; payload?: unknown }).find((m) => m.type === 'connection_init');
        assert.deepEqual(init?.payload, { authorization: `Bearer ${stack.token}` });
        assert.ok(authorizations.slice(-3).every((a) => a === `Bearer ${stack.token}`));
        await shot(guarded, '08-signed-in.png');

        await guarded.getByRole('button', { name: 'Sign out' }).click();
        await guarded.locator('#sign-in').waitFor();
        assert.deepEqual(pageErrors, []);
      } finally {
        await secured.close();
      }
    },
  );

  it(
    'pages through the gallery with "Show older", and keeps items that were waiting live until they finish',
    { timeout: 180_000 },
    async () => {
      const before = (
        await query<{ medias: { edges: unknown[] } }>(
          stack.graphqlUrl,
          '{ medias(first: 100) { edges { cursor } } }',
          {},
          { token: stack.token },
        )
      ).data!.medias.edges.length;
      // Twelve more, held at the first stage: a full first page of waiting items.
      stack.services.preprocess.pause();
      try {
        const waiting: string[] = [];
        for (let i = 0; i < 12; i++) {
          const upload = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 1, colorize: 'OFF', repair: 'OFF' }, undefined, {
            token: stack.token,
          });
          assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
          waiting.push(upload.data!.uploadMedia.id);
        }
        const gallery = await context.newPage();
        watchPage(gallery);
        await gallery.goto(`${origin}/`);
        await gallery.locator('li.card').nth(11).waitFor();
        assert.equal(await gallery.locator('li.card').count(), 12, 'one page of twelve');
        assert.equal(await gallery.locator('li.card[data-status="QUEUED"]').count(), 12);
        const older = gallery.getByRole('button', { name: 'Show older photos and videos' });
        await older.click();
        await gallery
          .locator('li.card')
          .nth(12 + before - 1)
          .waitFor();
        assert.equal(await gallery.locator('li.card').count(), 12 + before, 'every item, none twice');
        assert.equal(await older.isVisible(), false, 'nothing older left');
        assert.ok(
          await gallery
            .locator('li.card')
            .nth(12)
            .evaluate((el) => el === document.activeElement),
          'focus moves to the first card that appeared',
        );
        await shot(gallery, '09-gallery-waiting.png');

        stack.services.preprocess.resume();
        // Loaded as QUEUED, followed live: all finish on the page without a reload.
        try {
          await gallery.waitForFunction(
            () => document.querySelectorAll('li.card[data-status="COMPLETED"]').length === document.querySelectorAll('li.card').length,
            undefined,
            { timeout: 150_000, polling: 500 },
          );
        } catch (error) {
          // Name what is behind: the database (a stalled stage) or the page (a lost update).
          const onPage = new Map(
            await gallery
              .locator('li.card')
              .evaluateAll((cards) =>
                cards.map((c) => [(c as HTMLElement).dataset.mediaId ?? '?', (c as HTMLElement).dataset.status ?? '?'] as [string, string]),
              ),
          );
          const ids = [...new Set([...waiting, ...onPage.keys()])];
          throw new Error(
            `not every card finished: ${(error as Error).message}\n${await stallReport(stack, ids, { token: stack.token }, onPage)}`,
            { cause: error },
          );
        }
        assert.deepEqual(pageErrors, []);
      } finally {
        stack.services.preprocess.resume();
      }
    },
  );
});
