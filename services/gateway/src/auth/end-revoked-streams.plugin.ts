import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { unauthenticated, type Authenticator, type Principal } from './authenticator.ts';

/**
 * Ends a subscription (SSE or graphql-ws) within seconds of its token being revoked or
 * expiring: the client gets one UNAUTHENTICATED result, then the stream completes. graphql-ws
 * also closes the whole socket (ws-server.ts); SSE has only this.
 */
export function endRevokedStreams(auth: Authenticator): Plugin {
  return {
    onSubscribe({ args }) {
      const principal = (args.contextValue as { principal?: Principal }).principal;
      if (!principal?.tokenId) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(untilRevoked(result, (end) => auth.watch(principal, end)));
        },
      };
    },
  };
}

/** The source's results until `watch` calls back; then one UNAUTHENTICATED result and the end. */
function untilRevoked(
  source: AsyncIterable<ExecutionResult>,
  watch: (end: () => void) => () => void,
): AsyncIterableIterator<ExecutionResult> {
  const inner = source[Symbol.asyncIterator]();
  let revoke!: () => void;
  const revoked = new Promise<'revoked'>((resolve) => (revoke = () => resolve('revoked')));
  const stopWatching = watch(revoke);
  let finished = false;
  const finish = () => {
    finished = true;
    stopWatching();
  };
  const done = { value: undefined, done: true } as const;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (finished) return done;
      const next = await Promise.race([inner.next(), revoked]);
      if (next === 'revoked') {
        finish();
        // The source may be waiting for its next event: it is told to end, not waited for.
        void Promise.resolve(inner.return?.()).catch(() => undefined);
        return { value: { errors: [unauthenticated()] }, done: false };
      }
      if (next.done) finish();
      return next;
    },
    async return() {
      if (finished) return done;
      finish();
      return (await inner.return?.()) ?? done;
    },
    async throw(error: unknown) {
      finish();
      if (inner.throw) return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
