import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ExitCodes,
  GraphQLRequestError,
  LocalFileError,
  NetworkError,
  UsageError,
  errorJson,
  exitCodeFor,
  formatError,
  formatMediaFailure,
  networkErrorFrom,
  toServerErrors,
} from './errors.ts';
import { subscriptionError, webSocketUrl } from './progress-watch.ts';

describe('error formatting', () => {
  it('keeps the server’s messages and extensions.code from errors[]', () => {
    const errors = toServerErrors([
      { message: 'Unsupported file type image/x-foo', extensions: { code: 'UNSUPPORTED_MEDIA', http: { status: 415 } } },
      { message: 'Unexpected error.' },
      'garbage',
    ]);
    assert.deepEqual(errors, [
      { message: 'Unsupported file type image/x-foo', code: 'UNSUPPORTED_MEDIA' },
      { message: 'Unexpected error.', code: null },
      { message: 'unknown server error', code: null },
    ]);
    const err = new GraphQLRequestError(errors);
    assert.deepEqual(formatError(err), [
      'UNSUPPORTED_MEDIA: Unsupported file type image/x-foo',
      'Unexpected error.',
      'unknown server error',
    ]);
    assert.equal(exitCodeFor(err), ExitCodes.failed);
    assert.deepEqual(errorJson(err), { code: 'UNSUPPORTED_MEDIA', message: err.message });
  });

  it('formats a failed item as CODE: message', () => {
    assert.equal(formatMediaFailure({ code: 'CORRUPT_IMAGE', message: 'cannot decode JPEG' }), 'CORRUPT_IMAGE: cannot decode JPEG');
    assert.equal(formatMediaFailure(null), 'FAILED: the server gave no reason');
  });

  it('explains fetch failures by their socket error code, with exit code 2', () => {
    const fetchFailure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const err = networkErrorFrom(fetchFailure, 'http://127.0.0.1:4000/graphql');
    assert.equal(err.message, 'cannot reach http://127.0.0.1:4000/graphql (ECONNREFUSED)');
    assert.deepEqual(formatError(err), ['network error: cannot reach http://127.0.0.1:4000/graphql (ECONNREFUSED)']);
    assert.equal(exitCodeFor(err), ExitCodes.network);
    assert.equal(errorJson(err).code, 'NETWORK_ERROR');
  });

  it('gives usage errors a hint and their own exit code', () => {
    const err = new UsageError('--scale must be 1, 2 or 4');
    assert.deepEqual(formatError(err), ['--scale must be 1, 2 or 4', 'Run `revive --help` for usage.']);
    assert.equal(exitCodeFor(err), ExitCodes.usage);
    assert.equal(exitCodeFor(new LocalFileError('cannot read x (ENOENT)')), ExitCodes.failed);
  });
});

describe('subscription errors', () => {
  const url = 'ws://127.0.0.1:4000/graphql';

  it('derives the socket URL from the HTTP one', () => {
    assert.equal(webSocketUrl('http://127.0.0.1:4000/graphql'), url);
    assert.equal(webSocketUrl('https://revive.example/api/graphql?x=1'), 'wss://revive.example/api/graphql?x=1');
  });

  it('treats an error message’s errors[] as the server’s answer', () => {
    const err = subscriptionError([{ message: 'Media not found', extensions: { code: 'NOT_FOUND' } }], undefined, url);
    assert.ok(err instanceof GraphQLRequestError);
    assert.deepEqual(formatError(err), ['NOT_FOUND: Media not found']);
  });

  it('treats 4xxx close codes as a refusal and transport closes as network trouble', () => {
    const refused = subscriptionError({ code: 4403, reason: 'Forbidden' }, undefined, url);
    assert.ok(refused instanceof GraphQLRequestError);
    assert.match(refused.message, /subscription refused: Forbidden \(close code 4403\)/);

    const dropped = subscriptionError({ code: 1006, reason: '' }, { message: 'Unexpected server response: 404' }, url);
    assert.ok(dropped instanceof NetworkError);
    assert.equal(dropped.message, `subscription to ${url} closed (1006: Unexpected server response: 404)`);

    const refusedSocket = subscriptionError({ type: 'error', message: 'connect ECONNREFUSED 127.0.0.1:4000' }, undefined, url);
    assert.ok(refusedSocket instanceof NetworkError);
    assert.match(refusedSocket.message, /ECONNREFUSED/);
  });
});
