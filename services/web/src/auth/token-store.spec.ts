import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestHeaders } from '../api/graphql-http.ts';
import { webSocketUrl } from '../api/progress-client.ts';
import { bearer, createTokenStore } from './token-store.ts';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    map,
  };
}

describe('the sign-in slot: one bearer token, over HTTP and graphql-ws', () => {
  it('keeps the token in storage, trimmed, until sign-out', () => {
    const storage = memoryStorage();
    const tokens = createTokenStore(storage);
    assert.equal(tokens.get(), null);
    tokens.set('  abc.def  ');
    assert.equal(storage.map.get('revive.token'), 'abc.def');
    assert.equal(createTokenStore(storage).get(), 'abc.def', 'a new visit finds it');
    tokens.clear();
    assert.equal(tokens.get(), null);
  });

  it('falls back to memory when storage refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => undefined,
    };
    const tokens = createTokenStore(refusing);
    tokens.set('t');
    assert.equal(tokens.get(), 't');
    assert.equal(createTokenStore(null).get(), null);
  });

  it('sends Authorization: Bearer only when signed in', () => {
    assert.equal(bearer(null), null);
    assert.equal(requestHeaders('abc').authorization, 'Bearer abc');
    assert.equal('authorization' in requestHeaders(null), false);
    assert.equal(requestHeaders(null)['graphql-preflight'], '1');
  });

  it('derives the graphql-ws URL from the page’s endpoint', () => {
    assert.equal(webSocketUrl('/graphql', 'http://127.0.0.1:4000/'), 'ws://127.0.0.1:4000/graphql');
    assert.equal(webSocketUrl('https://revive.example/graphql'), 'wss://revive.example/graphql');
  });
});
