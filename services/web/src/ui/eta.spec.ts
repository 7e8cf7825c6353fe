import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEtaTracker, estimateRemainingMs } from './eta.ts';

describe('ETA: time left from the pace so far', () => {
  it('extrapolates the rate between the oldest and the newest sample', () => {
    // A quarter in 5 s: three quarters left take 15 s.
    assert.equal(
      estimateRemainingMs([
        { at: 0, fraction: 0 },
        { at: 2000, fraction: 0.1 },
        { at: 5000, fraction: 0.25 },
      ]),
      15_000,
    );
  });

  it('says nothing until the samples span long enough and show progress', () => {
    assert.equal(estimateRemainingMs([]), null);
    assert.equal(estimateRemainingMs([{ at: 0, fraction: 0.2 }]), null);
    assert.equal(
      estimateRemainingMs([
        { at: 0, fraction: 0 },
        { at: 500, fraction: 0.5 },
      ]),
      null,
      'half a second is noise',
    );
    assert.equal(
      estimateRemainingMs([
        { at: 0, fraction: 0.3 },
        { at: 9000, fraction: 0.3 },
      ]),
      null,
      'stalled',
    );
    assert.equal(
      estimateRemainingMs([
        { at: 0, fraction: 0.3 },
        { at: 9000, fraction: 1 },
      ]),
      0,
    );
  });

  it('starts over when the task changes or its progress goes backwards', () => {
    const eta = createEtaTracker();
    eta.observe('SUPERRES', 0, 0);
    assert.equal(eta.observe('SUPERRES', 0.5, 10_000), 10_000);
    assert.equal(eta.observe('PUBLISH', 0.5, 11_000), null, 'a new stage has no pace yet');
    assert.equal(eta.observe('PUBLISH', 0.75, 13_000), 2000);
    assert.equal(eta.observe('PUBLISH', 0.1, 14_000), null, 'a restarted stage (redelivery) has no pace yet');
  });

  it('dates a repeated figure by its first sighting', () => {
    const eta = createEtaTracker();
    eta.observe('upload', 0, 0);
    eta.observe('upload', 0.5, 4000);
    // The same figure again later: the pace is still half per 4 s, not half per 8 s.
    assert.equal(eta.observe('upload', 0.5, 8000), 4000);
  });

  it('follows a changed pace within the window', () => {
    const eta = createEtaTracker({ windowMs: 10_000 });
    eta.observe('t', 0, 0);
    eta.observe('t', 0.1, 20_000); // slow start (model loading)
    eta.observe('t', 0.2, 21_000);
    // The slow start has left the window: the pace is 0.1 per second, 7 s for the last 0.7.
    assert.equal(Math.round(eta.observe('t', 0.3, 22_000)!), 7000);
  });
});
