import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from 'postgres';

/** One versioned schema change: `migrations/<version>_<name>.sql`. */
export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sha256: string;
  readonly sql: string;
}

/** An applied migration's file changed since: the schema and the code no longer agree, so the gateway must not start. */
export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  readonly retryable = false;
  constructor(
    readonly version: string,
    readonly applied: string,
    readonly found: string,
  ) {
    super(
      `migration ${version} was applied with sha256 ${applied} but the file now hashes to ${found}; add a new migration instead of editing an applied one`,
    );
  }
}

const DEFAULT_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4,})_([a-z0-9_]+)\.sql$/;
/** Any fixed number works, as long as every gateway replica takes the same one. */
const LOCK_KEY = 7_265_786_105;

/** Reads the migration files in version order. */
export async function loadMigrations(dir: URL = DEFAULT_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named <version>_<name>.sql`);
    // Hash with \n line endings so a checkout that converts them does not look like an edit.
    const sql = (await readFile(new URL(file, dir), 'utf8')).replace(/\r\n/g, '\n');
    migrations.push({ version: match[1]!, name: match[2]!, sha256: createHash('sha256').update(sql).digest('hex'), sql });
  }
  const versions = migrations.map((m) => m.version);
  const twice = versions.find((v, i) => versions.indexOf(v) !== i);
  if (twice !== undefined) throw new Error(`two migration files share version ${twice}`);
  return migrations;
}

/**
 * Brings the schema up to date: applies each pending migration in its own transaction and
 * records it in schema_migrations. Safe to run from every replica at once (they queue on an
 * advisory lock) and on every start (a no-op when nothing is pending). Returns the versions
 * it applied.
 */
export async function migrate(sql: Sql, options: { dir?: URL } = {}): Promise<string[]> {
  const migrations = await loadMigrations(options.dir);
  const applied: string[] = [];
  for (;;) {
    // One transaction per step, each re-reading what is applied under the lock: a replica
    // that waited finds the other's work done instead of repeating it.
    const version = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`;
      const [exists] = await tx`SELECT to_regclass('schema_migrations') AS t`;
      if (!exists?.t) {
        await tx`CREATE TABLE schema_migrations (
          version text PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
      }
      const done = new Map((await tx`SELECT version, sha256 FROM schema_migrations`).map((r) => [r.version as string, r.sha256 as string]));
      // Versions recorded without a file are left alone: during a rolling upgrade an older
      // replica may start against a schema a newer one already extended.
      for (const m of migrations) {
        const recorded = done.get(m.version);
        if (recorded !== undefined && recorded !== m.sha256) throw new MigrationChecksumError(m.version, recorded, m.sha256);
      }
      const next = migrations.find((m) => !done.has(m.version));
      if (!next) return undefined;
      await tx.unsafe(next.sql).simple();
      await tx`INSERT INTO schema_migrations (version, name, sha256) VALUES (${next.version}, ${next.name}, ${next.sha256})`;
      return next.version;
    });
    if (version === undefined) return applied;
    applied.push(version);
  }
}
