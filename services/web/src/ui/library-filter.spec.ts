import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterFor } from './library-filter.ts';

describe('the library filter', () => {
  it('asks for everything when nothing is chosen, and for the statuses and kind chosen otherwise', () => {
    assert.equal(filterFor('all', 'all'), null);
    assert.deepEqual(filterFor('running', 'all'), { status: ['QUEUED', 'PROCESSING'] });
    assert.deepEqual(filterFor('all', 'VIDEO'), { kind: 'VIDEO' });
    assert.deepEqual(filterFor('ready', 'IMAGE'), { status: ['COMPLETED'], kind: 'IMAGE' });
    assert.equal(filterFor('nonsense', 'nonsense'), null, 'an unknown choice filters nothing out');
  });
});
