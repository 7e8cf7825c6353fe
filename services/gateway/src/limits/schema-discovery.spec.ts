import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { loadPlatformConfig } from '@revive/config';
import type { GatewayDeps } from '../context.ts';
import { createGatewayYoga } from '../yoga.ts';

/** Validates (and, when valid, executes) one document through the gateway's envelop, as both transports do. */
async function run(introspection: 'on' | 'off', query: string, variables: Record<string, unknown> = {}): Promise<string[]> {
  const config = loadPlatformConfig({ REVIVE_GRAPHQL_INTROSPECTION: introspection, REVIVE_LOG_LEVEL: 'silent' });
  const yoga = createGatewayYoga({ config } as unknown as GatewayDeps);
  const { parse, validate, execute, schema } = yoga.getEnveloped({ params: { query, variables } });
  const document = parse(query);
  const errors: readonly GraphQLError[] = validate(schema, document);
  if (errors.length) return errors.map((e) => e.message);
  const result = (await execute({ schema, document, variableValues: variables, contextValue: {} })) as ExecutionResult;
  return (result.errors ?? []).map((e) => e.message);
}

describe('what a caller learns about the schema (REVIVE_GRAPHQL_INTROSPECTION)', () => {
  it('off: refuses __schema and __type, and cuts "Did you mean" from validation and variable errors', async () => {
    const [schemaRefusal] = await run('off', '{ __schema { types { name } } }');
    assert.match(schemaRefusal!, /introspection has been disabled/);
    assert.match((await run('off', '{ __type(name: "Media") { name } }'))[0]!, /introspection has been disabled/);
    assert.deepEqual(await run('off', '{ mediaa(id: "x") { id } }'), ['Cannot query field "mediaa" on type "Query".']);
    const [variable] = await run('off', 'query ($s: StageName) { failures(stage: $s) { totalCount } }', { s: 'PREPROCES' });
    assert.match(variable!, /does not exist in "StageName" enum\.$/);
    assert.doesNotMatch(variable!, /PREPROCESS/);
  });

  it('on: introspection validates and suggestions stay', async () => {
    assert.deepEqual(await run('on', '{ __schema { queryType { name } } }'), []);
    assert.match((await run('on', '{ mediaa(id: "x") { id } }'))[0]!, /Did you mean "media"/);
  });
});
