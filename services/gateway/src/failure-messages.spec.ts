import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureMessage, publicFailure } from './failure-messages.ts';

describe('failure messages for clients', () => {
  it('replaces a stage’s own words (paths, addresses) with the code’s message', () => {
    const stored = {
      code: 'CORRUPT_VIDEO',
      stage: 'preprocess',
      attempt: 1,
      message:
        'the h264 video cannot be decoded to the end: [h264 @ 0x55d0c8a3e2c0] Invalid NAL unit size in /tmp/revive-preprocess-Ab12/original',
    };
    const shown = publicFailure(stored);
    assert.deepEqual({ ...shown, message: undefined }, { ...stored, message: undefined }, 'everything else stays');
    assert.equal(shown.message, 'the video is damaged or incomplete and cannot be decoded to the end');
  });

  it('names the step for a code without a message of its own, and never echoes the code’s text', () => {
    assert.equal(failureMessage('INTERNAL', 'superres'), 'the enlarge step failed on the server');
    assert.equal(failureMessage('INVALID_EVENT', 'PUBLISH'), 'the finish step failed on the server');
    assert.equal(failureMessage('SOMETHING_NEW', null), 'a processing step failed on the server');
  });
});
