// Accounts and access: users, API tokens, and who a request acts for.
export {
  createAccountRepository,
  UserExistsError,
  type AccountRepository,
  type IssuedToken,
  type TokenOwner,
  type TokenRecord,
  type UserRecord,
} from './account.repository.ts';
export { authenticateFirst, type AuthenticateFirst } from './authenticate-first.plugin.ts';
export { bearerToken, createAuthenticator, LOCAL_USER_NAME, unauthenticated, type Authenticator, type Principal } from './authenticator.ts';
export { endRevokedStreams } from './end-revoked-streams.plugin.ts';
export { createTokenWatch, TOKEN_CHECK_INTERVAL_MS, type TokenWatch } from './token-watch.ts';
export { generateToken, hashToken, TOKEN_PREFIX } from './tokens.ts';
