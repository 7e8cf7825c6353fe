import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, describeError, readGraphqlResponse, sentence } from './errors.ts';

const json = 'application/graphql-response+json; charset=utf-8';

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('did not throw');
}

describe('readGraphqlResponse: one reading of every answer, for fetch and XMLHttpRequest alike', () => {
  it('returns data', () => {
    assert.deepEqual(readGraphqlResponse(200, json, '{"data":{"ok":true}}'), { ok: true });
  });

  it('throws the server’s typed error with its code and words', () => {
    const error = thrown(() =>
      readGraphqlResponse(
        200,
        json,
        JSON.stringify({
          errors: [{ message: 'the file is neither an image nor a video', extensions: { code: 'UNSUPPORTED_MEDIA' } }],
          data: null,
        }),
      ),
    );
    assert.equal(error.code, 'UNSUPPORTED_MEDIA');
    assert.equal(error.message, 'the file is neither an image nor a video');
    assert.equal(error.isAuthFailure, false);
  });

  it('recognises a server that wants a sign-in: HTTP 401 or UNAUTHENTICATED', () => {
    assert.ok(thrown(() => readGraphqlResponse(401, 'text/plain', 'Unauthorized')).isAuthFailure);
    assert.ok(thrown(() => readGraphqlResponse(401, json, '{"errors":[{"message":"no token"}]}')).isAuthFailure);
    assert.ok(
      thrown(() => readGraphqlResponse(200, json, '{"errors":[{"message":"token expired","extensions":{"code":"UNAUTHENTICATED"}}]}'))
        .isAuthFailure,
    );
    assert.equal(
      thrown(() => readGraphqlResponse(403, json, '{"errors":[{"message":"not yours","extensions":{"code":"FORBIDDEN"}}]}')).isAuthFailure,
      false,
    );
  });

  it('says so when what came back is not GraphQL', () => {
    assert.equal(thrown(() => readGraphqlResponse(502, 'text/html', '<h1>Bad gateway</h1>')).code, 'BAD_RESPONSE');
    assert.equal(thrown(() => readGraphqlResponse(200, json, '{"data":')).code, 'BAD_RESPONSE');
    assert.equal(thrown(() => readGraphqlResponse(200, json, '{"data":null}')).code, 'BAD_RESPONSE');
  });
});

describe('describeError: words for people, the code for support', () => {
  it('titles known codes and keeps the server’s reason as a sentence', () => {
    assert.deepEqual(describeError('UNSUPPORTED_MEDIA', 'the file is neither an image nor a video', 'upload'), {
      title: 'This file is not a photo or video Revive can read',
      detail: 'The file is neither an image nor a video.',
      code: 'UNSUPPORTED_MEDIA',
    });
    assert.equal(describeError('MODEL_CRASHED', 'x', 'processing').title, 'The restoration did not finish');
    assert.equal(describeError('WHATEVER', 'x', 'upload').title, 'The upload did not go through');
    assert.equal(sentence('  done!  '), 'Done!');
    assert.equal(sentence(''), '');
  });
});
