import type { Media } from '../api/operations.ts';
import { createCompareSlider } from './compare-slider.ts';
import { h } from './dom.ts';
import { resultFilename } from './format.ts';
import { createVideoCompare } from './video-compare.ts';

// Object URLs are signed for REVIVE_PRESIGN_TTL_SECONDS (15 min by default): a link older than
// this is re-signed before it is followed.
const FRESH_FOR_MS = 10 * 60_000;

/** A finished item: before/after and the download of the result. */
export function createResultView(media: Media, refresh: () => Promise<Media | null>): HTMLElement {
  const resultUrl = media.resultUrl!;
  const compare =
    media.kind === 'VIDEO'
      ? media.originalUrl
        ? createVideoCompare(media.originalUrl, resultUrl, media.filename)
        : h('video', { src: resultUrl, controls: true, preload: 'metadata', 'aria-label': `${media.filename}, restored` })
      : media.originalUrl
        ? createCompareSlider({
            beforeUrl: media.originalUrl,
            afterUrl: resultUrl,
            filename: media.filename,
            aspect: media.width && media.height ? media.width / media.height : null,
          })
        : h('img', { class: 'result-only', src: resultUrl, alt: `${media.filename}, restored` });

  const what = media.kind === 'VIDEO' ? 'video' : 'photo';
  // `download` only works same-origin (the gateway's own /objects/ URLs); an S3 URL opens in a
  // new tab instead, which keeps this page and its progress where they are.
  const download = h(
    'a',
    {
      class: 'button primary download',
      href: resultUrl,
      download: resultFilename(media.filename, resultUrl, media.kind),
      target: '_blank',
      rel: 'noopener',
    },
    `Download the restored ${what}`,
  );
  let signedAt = Date.now();
  download.addEventListener('click', (event) => {
    if (Date.now() - signedAt < FRESH_FOR_MS) return;
    event.preventDefault();
    void refresh().then((fresh) => {
      if (!fresh?.resultUrl) return;
      download.href = fresh.resultUrl;
      signedAt = Date.now();
      download.click();
    });
  });
  return h('div', { class: 'result' }, compare, h('div', { class: 'actions' }, download));
}
