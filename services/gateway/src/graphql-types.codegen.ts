// Generates the resolver types from the one GraphQL SDL in contracts/ (`npm run codegen`);
// a spec fails when the committed file is stale.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { codegen } from '@graphql-codegen/core';
import * as typescriptPlugin from '@graphql-codegen/typescript';
import * as resolversPlugin from '@graphql-codegen/typescript-resolvers';
import { buildSchema, parse, printSchema } from 'graphql';
import { graphqlSchemaSdl } from '@revive/contracts';

export const GENERATED_TYPES_PATH = fileURLToPath(new URL('./generated/graphql.ts', import.meta.url));

/** The TypeScript source of the schema and resolver types. */
export async function generateGraphqlTypes(): Promise<string> {
  const schema = parse(printSchema(buildSchema(graphqlSchemaSdl)));
  const output = await codegen({
    filename: GENERATED_TYPES_PATH,
    schema,
    documents: [],
    config: {
      contextType: '../context.ts#GatewayContext',
      mappers: { Media: '../media-view.ts#MediaView' },
      scalars: { File: 'File', DateTime: 'string' },
      useTypeImports: true,
      enumsAsTypes: true,
      avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
    },
    plugins: [{ typescript: {} }, { typescriptResolvers: {} }],
    pluginMap: { typescript: typescriptPlugin, typescriptResolvers: resolversPlugin },
  });
  return `// Generated from contracts/graphql/schema.graphql by graphql-types.codegen.ts: do not edit.\n/* eslint-disable */\n${output}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(GENERATED_TYPES_PATH, await generateGraphqlTypes());
  console.log(`wrote ${GENERATED_TYPES_PATH}`);
}
