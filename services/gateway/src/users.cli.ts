// Operator CLI for accounts: `npm run users -- create <name> [--expires-days N] [--json]`,
// `token <name> [--expires-days N] [--json]`, `list`, `revoke <token-id>`.
import { parseArgs } from 'node:util';
import { loadPlatformConfig } from '@revive/config';
import { createAccountRepository, UserExistsError, type AccountRepository } from './auth/index.ts';
import { connectDatabase, migrate } from './persistence/index.ts';

const USAGE = `usage: npm run users -- <command>
  create <name> [--expires-days N] [--json]   a new user and its first API token (printed once)
  token <name> [--expires-days N] [--json]    another API token for an existing user
  list                                        users and their tokens (never the tokens themselves)
  revoke <token-id>                           revoke a token; requests with it get UNAUTHENTICATED`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'expires-days': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
});
const [command, arg] = positionals;

function expiresAt(): Date | null {
  const raw = values['expires-days'];
  if (raw === undefined) return null;
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0) throw new Error('--expires-days takes a positive number');
  return new Date(Date.now() + days * 86_400_000);
}

async function issue(accounts: AccountRepository, create: boolean): Promise<void> {
  if (!arg) throw new Error(USAGE);
  const expiry = expiresAt();
  const user = create ? await accounts.createUser(arg) : await accounts.findUser(arg);
  if (!user) throw new Error(`no user named ${arg}`);
  const issued = await accounts.issueToken(user.id, { label: create ? 'initial' : null, expiresAt: expiry });
  if (values.json)
    return void console.log(
      JSON.stringify({ userId: user.id, name: user.name, tokenId: issued.id, token: issued.token, expiresAt: issued.expiresAt }),
    );
  console.log(
    `user ${user.name} (${user.id})\ntoken id ${issued.id}${issued.expiresAt ? `, expires ${issued.expiresAt}` : ''}\n\n  ${issued.token}\n\nThis is the only time the token is shown; store it now.`,
  );
}

async function run(accounts: AccountRepository): Promise<void> {
  switch (command) {
    case 'create':
      return issue(accounts, true);
    case 'token':
      return issue(accounts, false);
    case 'list': {
      const [users, tokens] = await Promise.all([accounts.listUsers(), accounts.listTokens()]);
      if (values.json) return void console.log(JSON.stringify({ users, tokens }));
      for (const user of users) {
        console.log(`${user.name}  ${user.id}  created ${user.createdAt}`);
        for (const t of tokens.filter((t) => t.userId === user.id)) {
          const state = t.revokedAt
            ? `revoked ${t.revokedAt}`
            : t.expiresAt && Date.parse(t.expiresAt) <= Date.now()
              ? `expired ${t.expiresAt}`
              : t.expiresAt
                ? `expires ${t.expiresAt}`
                : 'no expiry';
          console.log(`  token ${t.id}  ${t.label ?? ''}  created ${t.createdAt}  ${state}`);
        }
      }
      return;
    }
    case 'revoke':
      if (!arg) throw new Error(USAGE);
      if (!(await accounts.revokeToken(arg))) throw new Error(`no active token with id ${arg}`);
      return void console.log(`token ${arg} revoked`);
    default:
      throw new Error(USAGE);
  }
}

if (values.help || !command) {
  console.log(USAGE);
} else {
  const sql = connectDatabase(loadPlatformConfig().database.url, { max: 2, applicationName: 'revive-users' });
  try {
    // The schema may not exist yet when the operator creates the first user before the first start.
    await migrate(sql);
    await run(createAccountRepository(sql));
  } catch (error) {
    console.error(error instanceof UserExistsError || error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
