import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clampView, fitView, oneToOneScale, panBy, wipeAt, zoomLabel, zoomTo } from './viewer-zoom.ts';

const image = { width: 6000, height: 4000 };
const stage = { width: 1200, height: 800 };

describe('viewer geometry: fit, zoom about a point, pan within the picture, the wipe on the picture', () => {
  it('fits a large picture whole and centred', () => {
    assert.deepEqual(fitView(image, stage), { scale: 0.2, x: 0, y: 0 });
    assert.deepEqual(fitView({ width: 100, height: 400 }, stage), { scale: 2, x: 500, y: 0 });
  });

  it('1:1 is one picture pixel per screen pixel, whatever the screen density', () => {
    assert.equal(oneToOneScale(1), 1);
    assert.equal(oneToOneScale(2), 0.5);
    assert.equal(oneToOneScale(0), 1);
  });

  it('keeps the picture pixel under the pointer where it was while zooming', () => {
    const fit = fitView(image, stage);
    const at = { x: 300, y: 200 };
    const zoomed = zoomTo(fit, 1, at, image, stage, 1);
    assert.equal(zoomed.scale, 1);
    // (300, 200) on the stage showed picture pixel (1500, 1000) and still does.
    assert.deepEqual([(at.x - zoomed.x) / zoomed.scale, (at.y - zoomed.y) / zoomed.scale], [1500, 1000]);
  });

  it('zooms no further out than fit and no further in than 8 screen pixels per picture pixel', () => {
    const fit = fitView(image, stage);
    assert.equal(zoomTo(fit, 0.01, { x: 0, y: 0 }, image, stage, 1).scale, 0.2);
    assert.equal(zoomTo(fit, 100, { x: 0, y: 0 }, image, stage, 2).scale, 4);
    // A picture smaller than the stage can still be seen at 1:1 (and from there zoomed in).
    const small = { width: 100, height: 50 };
    assert.equal(zoomTo(fitView(small, stage), 0.5, { x: 0, y: 0 }, small, stage, 1).scale, 1);
  });

  it('pans only as far as the picture reaches, and centres a side that is smaller than the stage', () => {
    const at1 = { scale: 1, x: 0, y: 0 };
    assert.deepEqual(panBy(at1, 100, 100, image, stage), { scale: 1, x: 0, y: 0 });
    assert.deepEqual(panBy(at1, -99_999, -50, image, stage), { scale: 1, x: -4800, y: -50 });
    assert.deepEqual(clampView({ scale: 0.1, x: -30, y: 7 }, image, stage), { scale: 0.1, x: 300, y: 200 });
  });

  it('puts the wipe on the picture pixel under the divider, within the picture', () => {
    assert.equal(wipeAt({ scale: 0.2, x: 0, y: 0 }, 1200, 50, 6000), 3000);
    assert.equal(wipeAt({ scale: 1, x: -1000, y: 0 }, 1200, 50, 6000), 1600);
    assert.equal(wipeAt({ scale: 1, x: 500, y: 0 }, 1200, 10, 6000), 0);
  });

  it('labels the zoom as Fit or as screen pixels per picture pixel', () => {
    const fit = fitView(image, stage);
    assert.equal(zoomLabel(fit, fit, 1), 'Fit');
    assert.equal(zoomLabel({ scale: 0.5, x: 0, y: 0 }, fit, 2), '100\u00a0%');
    assert.equal(zoomLabel({ scale: 2.5, x: 0, y: 0 }, fit, 1), '250\u00a0%');
  });
});
