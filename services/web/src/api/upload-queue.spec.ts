import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTaskQueue } from './upload-queue.ts';

describe('createTaskQueue', () => {
  it('runs at most `concurrency` tasks at once, in order, and passes results and failures through', async () => {
    const queue = createTaskQueue(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (n: number) => async () => {
      started.push(n);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      if (n === 3) throw new Error('three');
      return n * 10;
    };
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => queue.run(task(n))));
    assert.equal(peak, 2);
    assert.deepEqual(started, [1, 2, 3, 4, 5]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      [10, 20, 'three', 40, 50],
    );
    assert.equal(queue.pending, 0);
  });
});
