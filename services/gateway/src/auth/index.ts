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
export { bearerToken, createAuthenticator, LOCAL_USER_NAME, unauthenticated, type Authenticator, type Principal } from './authenticator.ts';
export { generateToken, hashToken, TOKEN_PREFIX } from './tokens.ts';
