import type { GraphQLError } from 'graphql';
import { clientError, ErrorCodes } from '../errors.ts';
import type { AccountRepository } from './account.repository.ts';

/** Who is calling: every resolver acts for this user and sees only this user's media. */
export interface Principal {
  readonly userId: string;
  readonly userName: string;
  /** The token used; null for the built-in local user when REVIVE_AUTH=off. */
  readonly tokenId: string | null;
}

/** Turns an `Authorization` value (HTTP header or graphql-ws connection_init payload) into a Principal. */
export interface Authenticator {
  /** Throws the typed UNAUTHENTICATED error (HTTP 401) for a missing, unknown, expired or revoked token. */
  authenticate(authorization: string | null | undefined): Promise<Principal>;
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
 */
export async function createAuthenticator(options: { mode: 'required' | 'off'; accounts: AccountRepository }): Promise<Authenticator> {
  if (options.mode === 'off') {
    const user = await options.accounts.ensureUser(LOCAL_USER_NAME);
    const local: Principal = { userId: user.id, userName: user.name, tokenId: null };
    return { authenticate: async () => local };
  }
  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      const owner = token ? await options.accounts.findActiveToken(token) : undefined;
      if (!owner) throw unauthenticated();
      return owner;
    },
  };
}
