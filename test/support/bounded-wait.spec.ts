import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeMedia, pollUntil, within, WaitTimeoutError } from './bounded-wait.ts';

const never = new Promise<never>(() => {});
const processing = {
  status: 'PROCESSING',
  stages: [
    { stage: 'PREPROCESS', status: 'COMPLETED' },
    { stage: 'COLORIZE', status: 'RUNNING' },
  ],
};

describe('bounded waits', () => {
  it('fails a wait that never settles, naming what it waited for and the last state', async () => {
    let stopped = false;
    const started = Date.now();
    await assert.rejects(
      within(never, {
        what: 'mediaProgress(m1) to complete',
        timeoutMs: 50,
        lastSeen: () => describeMedia(processing),
        onTimeout: () => (stopped = true),
      }),
      (e: Error) =>
        e instanceof WaitTimeoutError &&
        e.message ===
          'timed out after 50 ms waiting for mediaProgress(m1) to complete; last seen: PROCESSING (preprocess COMPLETED, colorize RUNNING)',
    );
    assert.ok(stopped, 'the abandoned work was told to stop');
    assert.ok(Date.now() - started < 5000, 'the bound held');
  });

  it('passes through what settles in time, value or error', async () => {
    const bound = { what: 'x', timeoutMs: 5000, lastSeen: () => 'x' };
    assert.equal(await within(Promise.resolve(7), bound), 7);
    await assert.rejects(within(Promise.reject(new Error('refused')), bound), /refused/);
  });

  it('polls until the state holds, reading again after a read that throws', async () => {
    let reads = 0;
    const state = await pollUntil(
      async () => {
        reads += 1;
        if (reads === 1) throw new Error('connection refused');
        return reads;
      },
      (n) => n >= 3,
      { what: 'three reads', timeoutMs: 5000, intervalMs: 1, describe: String },
    );
    assert.equal(state, 3);
  });

  it('fails a poll that never holds with the last state read, and bounds a read that never answers', async () => {
    await assert.rejects(
      pollUntil(
        async () => processing,
        (m) => m.status === 'COMPLETED',
        { what: 'm2 to be COMPLETED', timeoutMs: 60, intervalMs: 5, describe: describeMedia },
      ),
      /waiting for m2 to be COMPLETED; last seen: PROCESSING \(preprocess COMPLETED, colorize RUNNING\)$/,
    );
    await assert.rejects(
      pollUntil(
        () => never,
        () => true,
        { what: 'a frozen gateway', timeoutMs: 60, describe: String },
      ),
      /waiting for a frozen gateway; last seen: unreadable \(WaitTimeoutError: .*no answer\)$/,
    );
    // A gateway that answered, then froze: the report keeps what it last said.
    let reads = 0;
    await assert.rejects(
      pollUntil(
        () => (reads++ === 0 ? Promise.resolve(processing) : never),
        () => false,
        { what: 'm3', timeoutMs: 60, describe: describeMedia },
      ),
      /waiting for m3; last seen: PROCESSING \(preprocess COMPLETED, colorize RUNNING\)$/,
    );
  });
});
