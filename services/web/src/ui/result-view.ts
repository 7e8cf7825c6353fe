import type { DownloadFormat, Media } from '../api/operations.ts';
import { createCompareSlider } from './compare-slider.ts';
import { h, uniqueId } from './dom.ts';
import { resultFilename } from './format.ts';
import { createVideoCompare } from './video-compare.ts';

// Object URLs are signed for REVIVE_PRESIGN_TTL_SECONDS (15 min by default): a link older than
// this is re-signed before it is followed.
const FRESH_FOR_MS = 10 * 60_000;

const FORMATS: ReadonlyArray<{ value: DownloadFormat; label: string; ext: string }> = [
  { value: 'PNG', label: 'PNG (lossless)', ext: 'png' },
  { value: 'JPEG', label: 'JPEG (small)', ext: 'jpg' },
  { value: 'WEBP', label: 'WebP (smallest)', ext: 'webp' },
];

export interface ResultViewDeps {
  /** A fresh copy of the item (re-signed URLs). */
  refresh: () => Promise<Media | null>;
  /** A freshly signed link to the picture in a format. */
  downloadUrl: (format: DownloadFormat) => Promise<string | null>;
}

/** A finished item on its card: before/after from the small previews (the full size is the viewer's), and its download. */
export function createResultView(media: Media, deps: ResultViewDeps): { preview: HTMLElement; download: HTMLElement } {
  const resultUrl = media.resultUrl!;
  const before = media.originalPreview?.url ?? media.originalUrl;
  const after = media.resultPreview?.url ?? resultUrl;
  const size = media.resultPreview && { width: media.resultPreview.width, height: media.resultPreview.height };
  const preview =
    media.kind === 'VIDEO'
      ? media.originalUrl
        ? createVideoCompare(media.originalUrl, resultUrl, media.filename)
        : h('video', { src: resultUrl, controls: true, preload: 'metadata', 'aria-label': `${media.filename}, restored` })
      : before
        ? createCompareSlider({
            beforeUrl: before,
            afterUrl: after,
            filename: media.filename,
            aspect: size ? size.width / size.height : media.width && media.height ? media.width / media.height : null,
            size,
          })
        : h('img', { class: 'result-only', src: after, alt: `${media.filename}, restored`, loading: 'lazy', ...size });
  const download = media.kind === 'VIDEO' ? videoDownload(media, resultUrl, deps.refresh) : pictureDownload(media, deps.downloadUrl);
  return { preview: h('div', { class: 'result' }, preview), download };
}

/**
 * A stopped item's original (a cancelled or failed one, photo or video's first frame), from its
 * small preview: the card still shows what the item is, and says it was not restored.
 */
export function createOriginalView(media: Media): HTMLElement | null {
  const preview = media.originalPreview;
  if (!preview) return null;
  return h(
    'figure',
    { class: 'original-only' },
    h('img', {
      src: preview.url,
      alt: `${media.filename}, the original (not restored)`,
      loading: 'lazy',
      width: preview.width,
      height: preview.height,
    }),
    h('figcaption', { class: 'compare-tag tag-before' }, 'Original'),
  );
}

/** A format to choose and a button: the link is asked for at the click, so it is fresh and in that format. */
function pictureDownload(media: Media, downloadUrl: ResultViewDeps['downloadUrl']): HTMLElement {
  const id = uniqueId('download-format');
  const format = h('select', { id, class: 'download-format' }, ...FORMATS.map((f) => h('option', { value: f.value }, f.label)));
  const button = h('button', { type: 'button', class: 'button primary download' }, 'Download');
  const message = h('span', { class: 'action-error', role: 'status' });
  button.addEventListener('click', () => {
    const chosen = FORMATS.find((f) => f.value === format.value) ?? FORMATS[0]!;
    button.disabled = true;
    message.textContent = '';
    downloadUrl(chosen.value)
      .then((url) => {
        if (!url) throw new Error('the result is not ready');
        const stem = media.filename.replace(/\.[^./\\]+$/, '') || 'result';
        follow(url, `${stem}.revive.${chosen.ext}`);
      })
      .catch((error: unknown) => {
        message.textContent = `The download did not start: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => (button.disabled = false));
  });
  return h(
    'div',
    { class: 'download-controls' },
    h('label', { for: id, class: 'visually-hidden' }, `Download format for ${media.filename}`),
    format,
    button,
    message,
  );
}

function videoDownload(media: Media, resultUrl: string, refresh: ResultViewDeps['refresh']): HTMLElement {
  // `download` only works same-origin (the gateway's own /objects/ URLs); an S3 URL opens in a
  // new tab instead, which keeps this page and its progress where they are.
  const link = h(
    'a',
    {
      class: 'button primary download',
      href: resultUrl,
      download: resultFilename(media.filename, resultUrl, media.kind),
      target: '_blank',
      rel: 'noopener',
    },
    'Download the video',
  );
  let signedAt = Date.now();
  link.addEventListener('click', (event) => {
    if (Date.now() - signedAt < FRESH_FOR_MS) return;
    event.preventDefault();
    void refresh().then((fresh) => {
      if (!fresh?.resultUrl) return;
      link.href = fresh.resultUrl;
      signedAt = Date.now();
      link.click();
    });
  });
  return link;
}

/** Follows a signed link as a download (same origin), or in a new tab (another origin), leaving this page in place. */
export function follow(url: string, filename: string): void {
  const link = h('a', { href: url, download: filename, target: '_blank', rel: 'noopener', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}
