/**
 * Where tiles start along one axis: a fixed stride of (tile - overlap), with the last
 * tile pulled back to end exactly at the image edge so every tile has the full size
 * (the model always sees the same shape, and no tile is a thin sliver).
 */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = tile - overlap;
  if (stride <= 0) throw new RangeError(`overlap ${overlap} must be smaller than the tile ${tile}`);
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += stride) starts.push(s);
  starts.push(length - tile);
  return starts;
}

/**
 * Blending weights along one axis of an output tile. Sides that touch the image border
 * keep full weight; inner sides first drop a quarter of the overlap (where the missing
 * context makes predictions least like whole-image inference) and then ramp linearly,
 * so two neighbours' ramps sum to one across an overlap and no seam is visible.
 */
export function featherWeights(length: number, overlap: number, atStart: boolean, atEnd: boolean): Float32Array {
  const weights = new Float32Array(length).fill(1);
  if (overlap <= 0) return weights;
  const drop = Math.floor(overlap / 4);
  const ramp = Math.max(1, overlap - 2 * drop);
  for (let i = 0; i < length; i++) {
    let w = 1;
    if (!atStart) w = Math.min(w, Math.max(0, Math.min(1, (i - drop + 0.5) / ramp)));
    if (!atEnd) w = Math.min(w, Math.max(0, Math.min(1, (length - 1 - i - drop + 0.5) / ramp)));
    weights[i] = w;
  }
  return weights;
}

/** Rounds a size up to a multiple (models that downsample internally need it). */
export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
