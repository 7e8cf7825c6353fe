// The viewer's geometry, pure: the picture is drawn at `scale` CSS pixels per picture pixel,
// its top-left corner at (x, y) in the stage.

export interface Size {
  width: number;
  height: number;
}
export interface View {
  scale: number;
  x: number;
  y: number;
}

/** The most a person can zoom in: 8 screen pixels per picture pixel. */
export const MAX_DEVICE_PIXELS_PER_PIXEL = 8;

/** The whole picture, centred, as large as the stage allows. */
export function fitView(image: Size, stage: Size): View {
  const scale = Math.min(stage.width / image.width, stage.height / image.height);
  return { scale, x: (stage.width - image.width * scale) / 2, y: (stage.height - image.height * scale) / 2 };
}

/** One picture pixel on one screen (device) pixel. */
export function oneToOneScale(devicePixelRatio: number): number {
  return 1 / (devicePixelRatio > 0 ? devicePixelRatio : 1);
}

/** Zoom to `scale` keeping the stage point `at` over the same picture pixel, within fit … 8:1. */
export function zoomTo(view: View, scale: number, at: { x: number; y: number }, image: Size, stage: Size, devicePixelRatio: number): View {
  const min = Math.min(fitView(image, stage).scale, oneToOneScale(devicePixelRatio));
  const max = MAX_DEVICE_PIXELS_PER_PIXEL * oneToOneScale(devicePixelRatio);
  const next = Math.min(max, Math.max(min, scale));
  const px = (at.x - view.x) / view.scale;
  const py = (at.y - view.y) / view.scale;
  return clampView({ scale: next, x: at.x - px * next, y: at.y - py * next }, image, stage);
}

/** Keeps the picture on the stage: centred along a side where it is smaller, edge to edge where larger. */
export function clampView(view: View, image: Size, stage: Size): View {
  const axis = (offset: number, length: number, room: number) =>
    length <= room ? (room - length) / 2 : Math.min(0, Math.max(room - length, offset));
  return {
    scale: view.scale,
    x: axis(view.x, image.width * view.scale, stage.width),
    y: axis(view.y, image.height * view.scale, stage.height),
  };
}

/** Moves the picture by (dx, dy) stage pixels. */
export function panBy(view: View, dx: number, dy: number, image: Size, stage: Size): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, image, stage);
}

/** Where the wipe (at `position` % of the stage's width) falls on the picture, in picture pixels from its left edge. */
export function wipeAt(view: View, stageWidth: number, position: number, imageWidth: number): number {
  const x = (stageWidth * position) / 100;
  return Math.min(imageWidth, Math.max(0, (x - view.x) / view.scale));
}

/** `Fit`, `100 %` (1:1), `250 %`: the zoom as screen pixels per picture pixel. */
export function zoomLabel(view: View, fit: View, devicePixelRatio: number): string {
  if (Math.abs(view.scale - fit.scale) < 1e-6) return 'Fit';
  return `${Math.round(view.scale * devicePixelRatio * 100)}\u00a0%`;
}
