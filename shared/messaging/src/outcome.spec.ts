import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeOfError } from './outcome.ts';

describe('outcomeOfError: the one mapping from a thrown error to an outcome', () => {
  it('keeps the verdict an error carries: retryable retries, not retryable rejects with its code', () => {
    assert.deepEqual(outcomeOfError(Object.assign(new Error('store down'), { retryable: true })), { kind: 'retry', reason: 'store down' });
    assert.deepEqual(outcomeOfError(Object.assign(new Error('not a video'), { retryable: false, code: 'CORRUPT_VIDEO' })), {
      kind: 'reject',
      code: 'CORRUPT_VIDEO',
      reason: 'not a video',
    });
    assert.deepEqual(
      outcomeOfError(Object.assign(new Error('bad'), { retryable: false, code: 'not a code' })),
      { kind: 'reject', code: 'INTERNAL', reason: 'bad' },
      'a code clients cannot read becomes INTERNAL',
    );
    assert.deepEqual(
      outcomeOfError(Object.assign(new Error('odd'), { retryable: false, code: 'MODEL_REJECTED' })),
      { kind: 'reject', code: 'INTERNAL', reason: 'odd' },
      "a well-formed code that contracts' FailureCodes does not list has no sentence for people: INTERNAL",
    );
  });

  it("retries an error without a verdict (bounded by the consumer's max deliveries), whatever was thrown", () => {
    assert.deepEqual(outcomeOfError(new Error('ENOSPC: no space left on device')), {
      kind: 'retry',
      reason: 'ENOSPC: no space left on device',
    });
    assert.deepEqual(outcomeOfError('a string'), { kind: 'retry', reason: 'a string' });
    assert.deepEqual(outcomeOfError(null), { kind: 'retry', reason: 'null' });
  });
});
