import type { GraphQLError } from 'graphql';
import { clientError, ErrorCodes } from '../errors.ts';
import { rateLimited } from '../limits/rate-limit.plugin.ts';
import { TokenBuckets } from '../limits/token-bucket.ts';
import type { AccountRepository } from './account.repository.ts';
import { createTokenWatch } from './token-watch.ts';

/** Who is calling: every resolver acts for this user and sees only this user's media. */
export interface Principal {
  readonly userId: string;
  readonly userName: string;
  /** The token used; null for the built-in local user when REVIVE_AUTH=off. */
  readonly tokenId: string | null;
}

/** Turns an `Authorization` value (HTTP header or graphql-ws connection_init payload) into a Principal. */
export interface Authenticator {
  /**
   * Throws the typed UNAUTHENTICATED error (HTTP 401) for a missing, unknown, expired or revoked
   * token, and RATE_LIMITED (429), without looking the token up, once `peer` (the caller's
   * address) has been refused too often this minute.
   */
  authenticate(authorization: string | null | undefined, peer?: string): Promise<Principal>;
  /** Calls `onEnd` once, within seconds of the principal's token being revoked or expiring; returns the function that stops watching. */
  watch(principal: Principal, onEnd: () => void): () => void;
}

/** The name of the user every request acts as when REVIVE_AUTH=off. */
export const LOCAL_USER_NAME = 'local';

/** One message for every refusal: a caller learns nothing about which tokens exist. */
export function unauthenticated(): GraphQLError {
  return clientError(ErrorCodes.unauthenticated, 'a valid API token is required (Authorization: Bearer rv_…)', {
    http: { status: 401, headers: { 'www-authenticate': 'Bearer realm="revive"' } },
  });
}

/** The token in `Bearer <token>`; undefined for anything else. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * `required`: every request needs a valid API token. `off`: a single-user install on a trusted
 * loopback; every request acts as the built-in local user, whatever it sends.
 *
 * Refusals are counted per address (`anonymousPerMinute`, token buckets): past the limit an
 * address is refused before its token is even looked up, so anonymous callers cannot make the
 * gateway query PostgreSQL at will. Only refusals spend, so users behind one NAT or proxy who
 * send valid tokens never run into the limit. Buckets live in this process, like the per-user ones.
 */
export async function createAuthenticator(
  options:
    | { mode: 'off'; accounts: AccountRepository }
    | {
        mode: 'required' | 'off';
        accounts: AccountRepository;
        anonymousPerMinute: number;
        /** A failed check of open streams' tokens (they stay open; the next check retries). */
        onError: (error: unknown) => void;
        tokenCheckIntervalMs?: number;
      },
): Promise<Authenticator> {
  if (options.mode === 'off') {
    const user = await options.accounts.ensureUser(LOCAL_USER_NAME);
    const local: Principal = { userId: user.id, userName: user.name, tokenId: null };
    return { authenticate: async () => local, watch: () => () => undefined };
  }
  const refusals = new TokenBuckets(options.anonymousPerMinute);
  const tokens = createTokenWatch({
    activeTokenIds: (ids) => options.accounts.activeTokenIds(ids),
    onError: options.onError,
    intervalMs: options.tokenCheckIntervalMs,
  });
  return {
    async authenticate(authorization, peer = 'unknown') {
      const key = `ip:${peer}`;
      const allowed = refusals.peek(key);
      if (!allowed.ok) throw rateLimited(`${options.anonymousPerMinute} requests without a valid token`, allowed.retryAfterSeconds);
      const token = bearerToken(authorization);
      const owner = token ? await options.accounts.findActiveToken(token) : undefined;
      if (owner) return owner;
      refusals.take(key);
      throw unauthenticated();
    },
    watch: (principal, onEnd) => (principal.tokenId ? tokens.watch(principal.tokenId, onEnd) : () => undefined),
  };
}
