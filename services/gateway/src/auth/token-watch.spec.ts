import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createTokenWatch } from './token-watch.ts';

/** Polls until `predicate` holds (bounded): the watch checks on its own timer. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i += 1) await sleep(10);
  assert.ok(predicate(), what);
}

describe('token watch', () => {
  it('ends every stream of a token that stops being active, once, with one query per check for all tokens', async () => {
    const active = new Set(['a', 'b']);
    const queries: string[][] = [];
    const watch = createTokenWatch({
      activeTokenIds: async (ids) => (queries.push([...ids]), new Set(ids.filter((id) => active.has(id)))),
      onError: (error) => assert.fail(String(error)),
      intervalMs: 20,
    });
    const ended: string[] = [];
    watch.watch('a', () => ended.push('a1'));
    watch.watch('a', () => ended.push('a2'));
    const stopB = watch.watch('b', () => ended.push('b'));
    await until(() => queries.length > 0, 'checked');
    assert.deepEqual(queries[0], ['a', 'b'], 'one query asks about every watched token');
    assert.deepEqual(ended, []);
    active.delete('a');
    await until(() => ended.length === 2, 'both streams of the revoked token ended');
    assert.deepEqual(ended.sort(), ['a1', 'a2']);
    assert.equal(watch.size, 1);
    stopB();
    assert.equal(watch.size, 0, 'a stream that ended on its own is no longer watched');
    const checks = queries.length;
    await sleep(80);
    assert.equal(queries.length, checks, 'nothing watched: no more queries');
  });

  it('keeps the streams open when a check fails, and ends them at a later one', async () => {
    let failing = true;
    const errors: unknown[] = [];
    const watch = createTokenWatch({
      activeTokenIds: async () => {
        if (failing) throw new Error('database down');
        return new Set();
      },
      onError: (error) => errors.push(error),
      intervalMs: 20,
    });
    let ended = false;
    watch.watch('a', () => (ended = true));
    await until(() => errors.length > 0, 'the failure was reported');
    assert.equal(ended, false);
    failing = false;
    await until(() => ended, 'ended once the check succeeded');
  });
});
