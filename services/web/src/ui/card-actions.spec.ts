import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsFor } from './card-actions.ts';
import { libraryView } from './library-state.ts';

const offered = (state: Parameters<typeof actionsFor>[0], hasRetry = false) =>
  Object.entries(actionsFor(state, hasRetry))
    .filter(([, on]) => on)
    .map(([name]) => name);

describe('what a card offers in each state', () => {
  it('cancels what waits or runs, retries what failed, views what is finished, restores again what stopped, deletes anything on the server and hands its original back', () => {
    assert.deepEqual(offered('QUEUED'), ['cancel', 'remove', 'original']);
    assert.deepEqual(offered('PROCESSING'), ['cancel', 'remove', 'original']);
    assert.deepEqual(offered('FAILED'), ['retry', 'remove', 'restore', 'original']);
    assert.deepEqual(offered('CANCELLED'), ['remove', 'restore', 'original']);
    assert.deepEqual(offered('COMPLETED'), ['remove', 'view', 'restore', 'original']);
  });

  it('offers nothing during an upload; a failed upload can be sent again (if the file is at hand) or dismissed', () => {
    assert.deepEqual(offered('uploading'), []);
    assert.deepEqual(offered('checking'), []);
    assert.deepEqual(offered('upload-failed', true), ['retry', 'dismiss']);
    assert.deepEqual(offered('upload-failed', false), ['dismiss']);
  });
});

describe('the library beside its cards', () => {
  it('says "nothing here yet" only once the server said so, never while loading or after an error', () => {
    assert.deepEqual(libraryView('loading', 0), { loading: true, error: false, empty: false });
    assert.deepEqual(libraryView('failed', 0), { loading: false, error: true, empty: false });
    assert.deepEqual(libraryView('loaded', 0), { loading: false, error: false, empty: true });
    assert.deepEqual(libraryView('loaded', 3), { loading: false, error: false, empty: false });
    // An upload started while the list still loads keeps its card; the loading line stays too.
    assert.deepEqual(libraryView('loading', 1), { loading: true, error: false, empty: false });
  });
});
