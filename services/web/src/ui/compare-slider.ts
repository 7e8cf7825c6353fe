import { h, uniqueId } from './dom.ts';

export interface CompareImages {
  beforeUrl: string;
  afterUrl: string;
  filename: string;
  /** The result's aspect ratio (width / height), to hold the space before the images load. */
  aspect: number | null;
  /** The pictures' own pixels (previews on cards), so the browser reserves their space before they arrive. */
  size?: { width: number; height: number } | null;
}

/** `40` → `40 % original shown, 60 % restored` for screen readers. */
export function dividerText(position: number): string {
  return `${position}\u00a0% original, ${100 - position}\u00a0% restored`;
}

/**
 * Before/after over one frame: the restored picture underneath, the original on top clipped to
 * the divider. The divider is a native range input stretched over the frame, so it is keyboard
 * operable (arrows, Page Up/Down, Home/End), announced as a slider, and follows pointer and touch.
 */
export function createCompareSlider(images: CompareImages): HTMLElement {
  const captionId = uniqueId('compare-caption');
  const frame = h('div', { class: 'compare-frame' });
  if (images.aspect) frame.style.setProperty('--aspect', String(images.aspect));
  const range = h('input', {
    type: 'range',
    class: 'compare-range',
    min: 0,
    max: 100,
    step: 1,
    value: 50,
    'aria-label': `Before and after: ${images.filename}`,
    'aria-describedby': captionId,
    'aria-valuetext': dividerText(50),
  });
  const setPosition = (position: number) => {
    frame.style.setProperty('--position', `${position}%`);
    range.setAttribute('aria-valuetext', dividerText(position));
  };
  range.addEventListener('input', () => setPosition(Number(range.value)));
  setPosition(50);

  // Lazy: a long library fetches only the pictures near the screen.
  const sized = { decoding: 'async', loading: 'lazy', width: images.size?.width, height: images.size?.height };
  frame.append(
    h('img', { class: 'compare-after', src: images.afterUrl, alt: `After: ${images.filename}, restored`, ...sized }),
    h('div', { class: 'compare-before' }, h('img', { src: images.beforeUrl, alt: `Before: ${images.filename}, the original`, ...sized })),
    h('div', { class: 'compare-handle', 'aria-hidden': 'true' }),
    h('span', { class: 'compare-tag tag-before', 'aria-hidden': 'true' }, 'Before'),
    h('span', { class: 'compare-tag tag-after', 'aria-hidden': 'true' }, 'After'),
    range,
  );
  return h(
    'figure',
    { class: 'compare' },
    frame,
    h(
      'figcaption',
      { id: captionId, class: 'hint' },
      'Drag the divider, or focus it and use the arrow keys, to compare the original with the restored picture.',
    ),
  );
}
