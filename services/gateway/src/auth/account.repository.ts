import { randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';
import { generateToken, hashToken, looksLikeToken } from './tokens.ts';

/** A user as stored. */
export interface UserRecord {
  id: string;
  name: string;
  createdAt: string;
}

/** An API token as stored: never the token itself. */
export interface TokenRecord {
  id: string;
  userId: string;
  userName: string;
  label: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** A token just issued: the only moment its secret exists outside the caller's hands. */
export interface IssuedToken {
  id: string;
  token: string;
  expiresAt: string | null;
}

/** Who a valid token belongs to. */
export interface TokenOwner {
  tokenId: string;
  userId: string;
  userName: string;
}

/** A user name already taken. */
export class UserExistsError extends Error {
  override readonly name = 'UserExistsError';
  readonly retryable = false;
  constructor(readonly userName: string) {
    super(`a user named ${userName} already exists`);
  }
}

export interface AccountRepository {
  /** Throws UserExistsError when the name is taken. */
  createUser(name: string): Promise<UserRecord>;
  /** The user with this name, created when there is none (idempotent; safe from every replica). */
  ensureUser(name: string): Promise<UserRecord>;
  findUser(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  listTokens(): Promise<TokenRecord[]>;
  issueToken(userId: string, options?: { label?: string | null; expiresAt?: Date | null }): Promise<IssuedToken>;
  /** False when there is no such token or it was already revoked. */
  revokeToken(tokenId: string): Promise<boolean>;
  /** The owner of a token that exists, is not revoked and has not expired; undefined otherwise. */
  findActiveToken(token: string): Promise<TokenOwner | undefined>;
  /** Of these token ids, the ones still active (not revoked, not expired, not deleted). */
  activeTokenIds(tokenIds: readonly string[]): Promise<Set<string>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (v: unknown): string => new Date(v as string).toISOString();
const isoOrNull = (v: unknown): string | null => (v == null ? null : iso(v));
const toUser = (r: Record<string, unknown>): UserRecord => ({ id: r.id as string, name: r.name as string, createdAt: iso(r.created_at) });

/** Users and API tokens in PostgreSQL (migration 0010). */
export function createAccountRepository(sql: Sql): AccountRepository {
  return {
    async createUser(name) {
      const [row] =
        await sql`INSERT INTO users (id, name) VALUES (${randomUUID()}, ${name}) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at`;
      if (!row) throw new UserExistsError(name);
      return toUser(row);
    },

    async ensureUser(name) {
      await sql`INSERT INTO users (id, name) VALUES (${randomUUID()}, ${name}) ON CONFLICT (name) DO NOTHING`;
      return (await this.findUser(name))!;
    },

    async findUser(name) {
      const [row] = await sql`SELECT id, name, created_at FROM users WHERE name = ${name}`;
      return row ? toUser(row) : undefined;
    },

    async listUsers() {
      return (await sql`SELECT id, name, created_at FROM users ORDER BY name`).map(toUser);
    },

    async listTokens() {
      const rows = await sql`
        SELECT t.id, t.user_id, u.name, t.label, t.created_at, t.expires_at, t.revoked_at
        FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY u.name, t.created_at`;
      return rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        userName: r.name,
        label: r.label,
        createdAt: iso(r.created_at),
        expiresAt: isoOrNull(r.expires_at),
        revokedAt: isoOrNull(r.revoked_at),
      }));
    },

    async issueToken(userId, options = {}) {
      const token = generateToken();
      const [row] = await sql`
        INSERT INTO api_tokens (id, user_id, token_hash, label, expires_at)
        VALUES (${randomUUID()}, ${userId}, ${hashToken(token)}, ${options.label ?? null}, ${options.expiresAt ?? null})
        RETURNING id, expires_at`;
      return { id: row!.id as string, token, expiresAt: isoOrNull(row!.expires_at) };
    },

    async revokeToken(tokenId) {
      if (!UUID.test(tokenId)) return false;
      const { count } = await sql`UPDATE api_tokens SET revoked_at = now() WHERE id = ${tokenId} AND revoked_at IS NULL`;
      return count > 0;
    },

    async findActiveToken(token) {
      if (!looksLikeToken(token)) return undefined;
      const [row] = await sql`
        SELECT t.id, t.user_id, u.name FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${hashToken(token)} AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`;
      return row ? { tokenId: row.id as string, userId: row.user_id as string, userName: row.name as string } : undefined;
    },

    async activeTokenIds(tokenIds) {
      const ids = tokenIds.filter((id) => UUID.test(id));
      if (ids.length === 0) return new Set();
      const rows = await sql`
        SELECT id FROM api_tokens
        WHERE id IN ${sql(ids)} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;
      return new Set(rows.map((r) => r.id as string));
    },
  };
}
