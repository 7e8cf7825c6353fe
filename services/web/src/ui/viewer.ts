import type { Media } from '../api/operations.ts';
import { dividerText } from './compare-slider.ts';
import { h, uniqueId } from './dom.ts';
import { clampView, fitView, oneToOneScale, panBy, wipeAt, zoomLabel, zoomTo, type Size, type View } from './viewer-zoom.ts';

/** The full-screen before/after of one finished item: wipe, zoom to 1:1 and beyond, pan; videos play in step. */
export interface Viewer {
  readonly element: HTMLDialogElement;
  open(media: Media): void;
}

const STEP = 1.25;
const PAN = 60;

export function createViewer(): Viewer {
  const titleId = uniqueId('viewer-title');
  const hintId = uniqueId('viewer-hint');
  const title = h('h2', { id: titleId, class: 'viewer-title' });
  const zoom = h('output', { class: 'viewer-zoom' });
  const button = (label: string, text: string, onclick: () => void) =>
    h('button', { type: 'button', class: 'button small', 'aria-label': label, onclick }, text);
  const canvas = h('div', { class: 'viewer-canvas' });
  const divider = h('div', { class: 'viewer-divider', 'aria-hidden': 'true' });
  const stage = h(
    'div',
    { class: 'viewer-stage', tabindex: 0, role: 'group', 'aria-label': 'Picture', 'aria-describedby': hintId },
    canvas,
    divider,
  );
  const wipe = h('input', { type: 'range', class: 'viewer-wipe', min: 0, max: 100, step: 1, value: 50, 'aria-label': 'Before and after' });
  const playback = h('div', { class: 'viewer-playback' });
  const hint = h(
    'p',
    { id: hintId, class: 'viewer-hint' },
    'Zoom with the wheel, a pinch, or + and −; 1 shows every pixel (1:1), 0 fits; drag or use the arrow keys to move.',
  );
  const element = h(
    'dialog',
    { class: 'viewer', 'aria-labelledby': titleId },
    h(
      'div',
      { class: 'viewer-bar' },
      title,
      h(
        'div',
        { class: 'viewer-tools' },
        button('Zoom out', '−', () => zoomBy(1 / STEP)),
        zoom,
        button('Zoom in', '+', () => zoomBy(STEP)),
        button('Fit to screen', 'Fit', () => setView(fit())),
        button('Actual pixels (1:1)', '1:1', () => zoomAtCentre(oneToOneScale(devicePixelRatio))),
      ),
      // Beside the title, not among the zoom tools: on a phone the tools wrap and Close stays at the top corner.
      h(
        'button',
        { type: 'button', class: 'button small viewer-close', 'aria-label': 'Close the viewer', onclick: () => element.close() },
        'Close',
      ),
    ),
    stage,
    h('div', { class: 'viewer-controls' }, h('label', { class: 'viewer-wipe-label' }, 'Before', wipe, 'After'), playback),
    hint,
  );

  let image: Size = { width: 1, height: 1 };
  let view: View = { scale: 1, x: 0, y: 0 };
  let opener: Element | null = null;
  let media: Array<HTMLVideoElement> = [];

  const stageSize = (): Size => ({ width: stage.clientWidth || 1, height: stage.clientHeight || 1 });
  const fit = () => fitView(image, stageSize());
  const render = () => {
    canvas.style.width = `${image.width}px`;
    canvas.style.height = `${image.height}px`;
    canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    // Past 1:1 the pixels should look like pixels, not a blur.
    canvas.classList.toggle('pixelated', view.scale * devicePixelRatio > 1.01);
    const position = Number(wipe.value);
    canvas.style.setProperty('--wipe', `${wipeAt(view, stageSize().width, position, image.width)}px`);
    divider.style.left = `${position}%`;
    wipe.setAttribute('aria-valuetext', dividerText(position));
    zoom.value = zoomLabel(view, fit(), devicePixelRatio);
    stage.dataset.scale = String(view.scale * devicePixelRatio);
  };
  const setView = (next: View) => {
    view = clampView(next, image, stageSize());
    render();
  };
  const centre = () => ({ x: stageSize().width / 2, y: stageSize().height / 2 });
  const zoomAtCentre = (scale: number) => setView(zoomTo(view, scale, centre(), image, stageSize(), devicePixelRatio));
  const zoomBy = (factor: number, at = centre()) => setView(zoomTo(view, view.scale * factor, at, image, stageSize(), devicePixelRatio));
  const pointIn = (event: { clientX: number; clientY: number }) => {
    const box = stage.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  const measured = (size: Size) => {
    image = size;
    setView(fit());
  };

  wipe.addEventListener('input', render);
  stage.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      zoomBy(Math.exp(-event.deltaY * 0.002), pointIn(event));
    },
    { passive: false },
  );
  stage.addEventListener('keydown', (event) => {
    const moves: Record<string, [number, number]> = { ArrowLeft: [PAN, 0], ArrowRight: [-PAN, 0], ArrowUp: [0, PAN], ArrowDown: [0, -PAN] };
    if (event.key === '+' || event.key === '=') zoomBy(STEP);
    else if (event.key === '-' || event.key === '_') zoomBy(1 / STEP);
    else if (event.key === '1') zoomAtCentre(oneToOneScale(devicePixelRatio));
    else if (event.key === '0') setView(fit());
    else if (moves[event.key]) setView(panBy(view, ...moves[event.key]!, image, stageSize()));
    else return;
    event.preventDefault();
  });

  // One pointer pans; two pinch, zooming about their midpoint.
  const pointers = new Map<number, { x: number; y: number }>();
  stage.addEventListener('pointerdown', (event) => {
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, pointIn(event));
  });
  stage.addEventListener('pointermove', (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const now = pointIn(event);
    if (pointers.size === 1) setView(panBy(view, now.x - last.x, now.y - last.y, image, stageSize()));
    else if (pointers.size === 2) {
      const other = [...pointers].find(([id]) => id !== event.pointerId)![1];
      const before = Math.hypot(last.x - other.x, last.y - other.y);
      const after = Math.hypot(now.x - other.x, now.y - other.y);
      if (before > 0) zoomBy(after / before, { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 });
    }
    pointers.set(event.pointerId, now);
  });
  const lift = (event: PointerEvent) => pointers.delete(event.pointerId);
  stage.addEventListener('pointerup', lift);
  stage.addEventListener('pointercancel', lift);
  window.addEventListener('resize', () => element.open && setView(fit()));

  element.addEventListener('close', () => {
    for (const video of media) video.pause();
    media = [];
    canvas.replaceChildren();
    playback.replaceChildren();
    if (opener instanceof HTMLElement) opener.focus();
  });

  return {
    element,
    open(item) {
      opener = document.activeElement;
      title.textContent = item.filename;
      stage.setAttribute('aria-label', `${item.filename}: before and after, zoomable`);
      wipe.value = '50';
      const after = item.resultUrl ?? '';
      const before = item.originalUrl ?? after;
      if (item.kind === 'VIDEO') {
        // The sound comes from the restored video alone; two tracks a few milliseconds apart would echo.
        const original = h('video', {
          src: before,
          preload: 'auto',
          playsinline: true,
          muted: true,
          loop: true,
          'aria-label': `Before: ${item.filename}`,
        });
        const restored = h('video', {
          src: after,
          preload: 'auto',
          playsinline: true,
          loop: true,
          'aria-label': `After: ${item.filename}, restored`,
        });
        restored.addEventListener('loadedmetadata', () => measured({ width: restored.videoWidth, height: restored.videoHeight }));
        media = [original, restored];
        canvas.replaceChildren(restored, h('div', { class: 'viewer-before' }, original));
        playback.replaceChildren(syncedControls(original, restored, item.filename));
      } else {
        const restored = h('img', { src: after, alt: `After: ${item.filename}, restored`, decoding: 'async', draggable: 'false' });
        restored.addEventListener('load', () => measured({ width: restored.naturalWidth, height: restored.naturalHeight }));
        canvas.replaceChildren(
          restored,
          h(
            'div',
            { class: 'viewer-before' },
            h('img', { src: before, alt: `Before: ${item.filename}, the original`, draggable: 'false' }),
          ),
        );
        playback.replaceChildren();
      }
      element.showModal();
      stage.focus();
      render();
    },
  };
}

/** One play button and one time slider for two videos; the original follows the restored one's clock. */
function syncedControls(original: HTMLVideoElement, restored: HTMLVideoElement, filename: string): HTMLElement {
  const play = h('button', { type: 'button', class: 'button small' }, 'Play');
  const time = h('input', { type: 'range', min: 0, max: 1000, step: 1, value: 0, 'aria-label': `Position in ${filename}` });
  const follow = () => {
    // Drift builds up between two decoders; a tenth of a second is where a wipe starts to show it.
    if (Math.abs(original.currentTime - restored.currentTime) > 0.1) original.currentTime = restored.currentTime;
    if (restored.duration > 0) time.value = String(Math.round((restored.currentTime / restored.duration) * 1000));
  };
  restored.addEventListener('timeupdate', follow);
  restored.addEventListener('seeked', follow);
  play.addEventListener('click', () => {
    if (restored.paused) {
      original.currentTime = restored.currentTime;
      void restored.play();
      void original.play();
      play.textContent = 'Pause';
    } else {
      restored.pause();
      original.pause();
      play.textContent = 'Play';
    }
  });
  time.addEventListener('input', () => {
    if (restored.duration > 0) restored.currentTime = (Number(time.value) / 1000) * restored.duration;
  });
  return h('div', { class: 'viewer-video-controls' }, play, time);
}
