import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { clientError, ErrorCodes } from '../errors.ts';
import { TokenBuckets } from './token-bucket.ts';

/** Operations one principal may start per minute (bursts up to the same number). */
export interface RateLimits {
  /** Mutations: each is an upload or another write. */
  readonly uploadsPerMinute: number;
  /** Queries and subscriptions. */
  readonly requestsPerMinute: number;
}

type LimiterContext = {
  principal?: { userId?: string } | null;
  req?: { socket?: { remoteAddress?: string } };
  request?: { headers?: { get(name: string): string | null } };
};

/** The address the request came from (never a client-set header such as X-Forwarded-For). */
export function peerAddress(context: unknown): string {
  return (context as LimiterContext | undefined)?.req?.socket?.remoteAddress ?? 'unknown';
}

/** The caller's user when one is authenticated, else the peer address. */
export function principalKey(context: unknown): string {
  const c = (context ?? {}) as LimiterContext;
  if (c.principal?.userId) return `user:${c.principal.userId}`;
  return `ip:${peerAddress(c)}`;
}

/** RATE_LIMITED with HTTP 429 and Retry-After: `what` is the limit in words ("60 requests"). */
export function rateLimited(what: string, retryAfterSeconds: number): GraphQLError {
  return clientError(ErrorCodes.rateLimited, `too many requests: the limit is ${what} a minute; retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
  });
}

/**
 * Per-principal token buckets in front of execution: a mutation spends from the uploads bucket,
 * anything else from the requests bucket. A refusal is RATE_LIMITED with HTTP 429, a
 * Retry-After header and `retryAfterSeconds`; nothing has run. Hooked on envelop's execute and
 * subscribe, so graphql-ws subscriptions are counted too. Buckets live in this process: with
 * N gateway replicas behind a balancer a principal gets up to N times the rate.
 */
export function rateLimits(limits: RateLimits, now: () => number = Date.now): Plugin {
  const uploads = new TokenBuckets(limits.uploadsPerMinute, now);
  const requests = new TokenBuckets(limits.requestsPerMinute, now);
  const check = (document: DocumentNode, operationName: string | null | undefined, context: unknown) => {
    const isMutation = getOperationAST(document, operationName)?.operation === 'mutation';
    const taken = (isMutation ? uploads : requests).take(principalKey(context));
    if (taken.ok) return undefined;
    return rateLimited(isMutation ? `${limits.uploadsPerMinute} uploads` : `${limits.requestsPerMinute} requests`, taken.retryAfterSeconds);
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = check(args.document, args.operationName, args.contextValue);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = check(args.document, args.operationName, args.contextValue);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
