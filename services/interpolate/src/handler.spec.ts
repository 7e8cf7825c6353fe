import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hopsOf, Stages, Subjects } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { createFilesystemStore } from '@revive/object-store';
import { createInterpolateHandlers } from './handler.ts';

describe('interpolate handlers', () => {
  it('covers the one hop the flow map gives the stage', () => {
    assert.deepEqual(
      hopsOf(Stages.interpolate).map((h) => h.consumes),
      [Subjects.videoSuperResolved],
    );
    const handlers = createInterpolateHandlers({
      store: createFilesystemStore('/nonexistent'),
      log: createLogger('interpolate-test', 'silent'),
    });
    assert.equal(typeof handlers.video, 'function');
  });
});
