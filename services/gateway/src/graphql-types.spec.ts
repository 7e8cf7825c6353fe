import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { generateGraphqlTypes, GENERATED_TYPES_PATH } from './graphql-types.codegen.ts';

it('the committed resolver types match the GraphQL SDL (run `npm run codegen` after editing the schema)', async () => {
  assert.equal(await readFile(GENERATED_TYPES_PATH, 'utf8'), await generateGraphqlTypes());
});
