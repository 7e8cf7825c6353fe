import { createHash, randomBytes } from 'node:crypto';

/** Every API token starts with this, so a leaked one is easy to recognise (and to scan for). */
export const TOKEN_PREFIX = 'rv_';
const TOKEN_SHAPE = /^rv_[A-Za-z0-9_-]{43}$/;

/** A new API token: `rv_` + 32 random bytes, base64url. Shown once; only its hash is stored. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The SHA-256 under which a token is stored and looked up (the token has 256 bits of entropy, so no salt or slow hash is needed). */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether a string could be a token at all (saves a database round trip on garbage). */
export function looksLikeToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
