import { h } from './dom.ts';

/** The original and the restored video side by side (stacked on narrow screens), playable together. */
export function createVideoCompare(beforeUrl: string, afterUrl: string, filename: string): HTMLElement {
  const before = h('video', {
    src: beforeUrl,
    controls: true,
    preload: 'metadata',
    playsinline: true,
    'aria-label': `Before: ${filename}, the original`,
  });
  const after = h('video', {
    src: afterUrl,
    controls: true,
    preload: 'metadata',
    playsinline: true,
    'aria-label': `After: ${filename}, restored`,
  });
  const together = h('button', { type: 'button', class: 'button' }, 'Play both together');
  together.addEventListener('click', () => {
    if (!before.paused || !after.paused) {
      before.pause();
      after.pause();
      together.textContent = 'Play both together';
      return;
    }
    // Same moment in both: the result has more frames, not a different timeline.
    after.currentTime = before.currentTime;
    void before.play();
    void after.play();
    together.textContent = 'Pause both';
  });
  const reset = () => {
    if (before.paused && after.paused) together.textContent = 'Play both together';
  };
  before.addEventListener('pause', reset);
  after.addEventListener('pause', reset);
  return h(
    'div',
    { class: 'video-compare' },
    h(
      'div',
      { class: 'video-pair' },
      h('figure', {}, before, h('figcaption', {}, 'Before')),
      h('figure', {}, after, h('figcaption', {}, 'After')),
    ),
    together,
  );
}
