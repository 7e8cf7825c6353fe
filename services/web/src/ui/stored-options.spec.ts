import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_OPTIONS } from '../api/operations.ts';
import { readStoredOptions, storeOptions } from './stored-options.ts';

function memory(): Storage {
  const values = new Map<string, string>();
  return {
    getItem: (k) => values.get(k) ?? null,
    setItem: (k, v) => void values.set(k, v),
    removeItem: (k) => void values.delete(k),
    clear: () => values.clear(),
    key: (i) => [...values.keys()][i] ?? null,
    get length() {
      return values.size;
    },
  };
}

describe('remembered upload options', () => {
  it('reads back what was stored', () => {
    const storage = memory();
    storeOptions(storage, { scale: 4, colorize: 'OFF', repair: 'ON', frameRateFactor: 1 });
    assert.deepEqual(readStoredOptions(storage), { scale: 4, colorize: 'OFF', repair: 'ON', frameRateFactor: 1 });
  });

  it('falls back to the server defaults with nothing stored, no storage, or a value it cannot trust', () => {
    assert.deepEqual(readStoredOptions(memory()), DEFAULT_OPTIONS);
    assert.deepEqual(readStoredOptions(null), DEFAULT_OPTIONS);
    const storage = memory();
    storage.setItem('revive.options', '{not json');
    assert.deepEqual(readStoredOptions(storage), DEFAULT_OPTIONS);
    storage.setItem('revive.options', JSON.stringify({ scale: 3, colorize: 'MAYBE', repair: 'OFF', frameRateFactor: '2' }));
    assert.deepEqual(readStoredOptions(storage), { ...DEFAULT_OPTIONS, repair: 'OFF' });
  });

  it('forgets quietly when the browser refuses to store', () => {
    const full = {
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    assert.doesNotThrow(() => storeOptions(full, DEFAULT_OPTIONS));
  });
});
