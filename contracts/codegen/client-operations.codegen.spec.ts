import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateClientOperations, GRAPHQL_CLIENTS } from './client-operations.codegen.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('client operations typed from the SDL', () => {
  for (const client of GRAPHQL_CLIENTS) {
    it(`the committed ${client.name} operation types match the schema and ${client.documents} (run \`npm run codegen\` after editing either)`, async () => {
      assert.equal(await readFile(join(repoRoot, client.output), 'utf8'), await generateClientOperations(client));
    });
  }

  it('refuses an operation that selects a field the schema does not have', async () => {
    const broken = { name: 'broken', documents: 'contracts/codegen/fixtures/unknown-field.graphql', output: 'unused.ts' };
    await assert.rejects(generateClientOperations(broken), /colour/);
  });
});
