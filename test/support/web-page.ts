// What the web page's end-to-end tests run inside the browser, and how they start the stack and the browser.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ARTIFACTS, startTestStack, type TestStack } from './test-stack.ts';

export { ARTIFACTS };

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Debian's chromium (scripts/ensure-system-packages.ts installs it), driven over CDP by playwright-core; `extraArgs` add switches. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** The real stack and a browser, started for one web test file. */
export interface WebStack extends TestStack {
  /** The gateway's origin, which serves the page. */
  readonly origin: string;
  readonly browser: Browser;
  /** Screenshots go here (`test-artifacts/<name>/`, emptied at start). */
  readonly shots: string;
}

/** Starts the real stack (startTestStack, `env` over its defaults) and Debian's Chromium. */
export async function startWebStack(name: string, env: NodeJS.ProcessEnv = {}): Promise<WebStack> {
  const shots = join(ARTIFACTS, name);
  await rm(shots, { recursive: true, force: true });
  await mkdir(shots, { recursive: true });
  const system = await startTestStack(name, { env });
  const browser = await launchChromium().catch(async (error: unknown) => {
    await system.stop();
    throw error;
  });
  return {
    ...system,
    origin: new URL(system.stack.graphqlUrl).origin,
    browser,
    shots,
    async stop() {
      await browser.close();
      await system.stop();
    },
  };
}

// Scripts go to the page as source text: tsx's keepNames would wrap a compiled function's inner
// helpers in a `__name` the browser does not have.

/** Every visible text's contrast with the background it sits on; failures below 4.5:1. */
export const CONTRAST_AUDIT = `(() => {
  const rgba = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c[3] === undefined || c[3] >= 0.99)) return c;
    }
    return [255, 255, 255];
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && Number(s.opacity) > 0 && !el.closest('.visually-hidden, [hidden], option'); };
  const texts = [...document.querySelectorAll('body *')].filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) || el.matches('select'));
  const failures = [];
  for (const el of texts.filter(visible)) {
    const fg = luminance(rgba(getComputedStyle(el).color));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) failures.push(el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return { checked: texts.length, failures };
})()`;

/** Controls with no accessible name. */
export const LABEL_AUDIT = `(() => [...document.querySelectorAll('input, select, button, a[href]')]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
  .map((el) => el.outerHTML.slice(0, 80)))()`;

/** Records every value the items' restoration bars and statuses take, however briefly, in `window.__seen`. */
export const RECORD_PROGRESS = `(() => {
  window.__seen = { progress: [], status: [] };
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target;
      if (r.attributeName === 'aria-valuenow' && (el.getAttribute('aria-label') || '').startsWith('Restoration')) window.__seen.progress.push(Number(el.getAttribute('aria-valuenow')));
      if (r.attributeName === 'data-status' && el.matches('li.card')) window.__seen.status.push(el.dataset.status);
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow', 'data-status'] });
})()`;

/** Two small pictures made in the page and dropped together on the drop zone, as a person drags them from a file manager. */
export const DROP_TWO_PICTURES = `(async () => {
  const picture = (width, height, shade) => new Promise((resolve) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    g.fillStyle = 'rgb(' + shade + ',' + shade + ',' + shade + ')';
    g.fillRect(0, 0, width, height);
    g.fillStyle = '#202020';
    g.fillRect(4, 4, width / 2, height / 2);
    canvas.toBlob((blob) => resolve(new File([blob], 'dropped-' + width + 'x' + height + '.png', { type: 'image/png' })), 'image/png');
  });
  const data = new DataTransfer();
  data.items.add(await picture(48, 32, 120));
  data.items.add(await picture(40, 40, 200));
  const zone = document.querySelector('.drop-zone');
  zone.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true }));
  const highlighted = zone.classList.contains('dragging');
  zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  return highlighted;
})()`;
