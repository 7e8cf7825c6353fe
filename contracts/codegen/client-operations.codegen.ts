// Generates each client's operation types from the one GraphQL SDL (`npm run codegen`): the
// result and variable types of the operations a client sends, the schema's enums and inputs,
// the input defaults, and the operations themselves as typed documents. A spec fails when a
// committed file is stale, and codegen fails when an operation no longer fits the schema.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codegen } from '@graphql-codegen/core';
import * as typescriptPlugin from '@graphql-codegen/typescript';
import * as operationsPlugin from '@graphql-codegen/typescript-operations';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  Kind,
  parse,
  print,
  printSchema,
  valueFromAST,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { graphqlSchemaSdl } from '../src/graphql-schema.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A client of the public API: where its operations are written and where their types go. */
export interface GraphqlClient {
  readonly name: string;
  /** The client's operations (`.graphql`), relative to the repository root. */
  readonly documents: string;
  /** The generated module, relative to the repository root. */
  readonly output: string;
}

export const GRAPHQL_CLIENTS: readonly GraphqlClient[] = [
  { name: 'web', documents: 'services/web/src/api/operations.graphql', output: 'services/web/src/api/generated/graphql.ts' },
  { name: 'cli', documents: 'services/cli/src/operations.graphql', output: 'services/cli/src/generated/graphql.ts' },
];

const TYPED_OPERATION = `
/** An operation as sent over HTTP or graphql-ws, carrying its result and variable types. */
export interface TypedOperation<Result, Variables> {
  readonly query: string;
  readonly operationName: string;
  /** Never set: it only carries the types. */
  readonly __types?: { readonly result: Result; readonly variables: Variables };
}

/** The result type of a typed operation. */
export type ResultOf<T> = T extends TypedOperation<infer R, unknown> ? R : never;
/** The variables type of a typed operation. */
export type VariablesOf<T> = T extends TypedOperation<unknown, infer V> ? V : never;
`;

/** The TypeScript source generated for one client. */
export async function generateClientOperations(client: GraphqlClient): Promise<string> {
  const schema = buildSchema(graphqlSchemaSdl);
  const documents = parse(await readFile(join(repoRoot, client.documents), 'utf8'));
  const types = await codegen({
    filename: client.output,
    schema: parse(printSchema(schema)),
    documents: [{ location: client.documents, document: documents }],
    config: {
      scalars: { File: 'File', DateTime: 'string' },
      useTypeImports: true,
      enumsAsTypes: true,
      onlyOperationTypes: true,
      skipTypename: true,
      preResolveTypes: true,
      maybeValue: 'T | null',
      avoidOptionals: { field: true, object: false, inputValue: false, defaultValue: false },
    },
    plugins: [{ typescript: {} }, { typescriptOperations: {} }],
    pluginMap: { typescript: typescriptPlugin, typescriptOperations: operationsPlugin },
  });
  return (
    [
      `// Generated from contracts/graphql/schema.graphql and ${client.documents} by contracts/codegen: do not edit.`,
      '/* eslint-disable */',
      types.trim(),
      TYPED_OPERATION.trim(),
      enumValues(schema, types),
      inputDefaults(schema),
      typedOperations(documents),
    ].join('\n\n') + '\n'
  );
}

/** Each enum's values, in schema order, so a client can offer or check them without a copy. */
function enumValues(schema: GraphQLSchema, generatedTypes: string): string {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    // Only the enums the client's operations reach have a generated type to name.
    if (!isEnumType(type) || type.name.startsWith('__') || !generatedTypes.includes(`export type ${type.name} =`)) continue;
    const values = type.getValues().map((v) => v.name);
    out.push(`export const ${type.name}Values: readonly ${type.name}[] = ${JSON.stringify(values)};`);
  }
  return out.join('\n');
}

/** Each input type's default values, as the schema states them, so clients never copy them. */
function inputDefaults(schema: GraphQLSchema): string {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInputObjectType(type) || type.name.startsWith('__')) continue;
    const defaults: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (field.astNode?.defaultValue) defaults[field.name] = valueFromAST(field.astNode.defaultValue, field.type);
    }
    if (Object.keys(defaults).length === 0) continue;
    out.push(
      `/** The server's defaults for \`${type.name}\`. */\nexport const ${type.name}Defaults = ${JSON.stringify(defaults)} as const;`,
    );
  }
  return out.join('\n\n');
}

/** One constant per operation: its text with the fragments it spreads, and its types. */
function typedOperations(documents: DocumentNode): string {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of documents.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const out: string[] = [];
  for (const def of documents.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const name = def.name?.value;
    if (!name) throw new Error('every client operation needs a name: it types the result and names the request');
    const text = [def, ...fragmentsUsedBy(def, fragments)].map((node) => print(node)).join('\n');
    const suffix = def.operation[0]!.toUpperCase() + def.operation.slice(1);
    out.push(
      `export const ${name}Document: TypedOperation<${name}${suffix}, ${name}${suffix}Variables> = {\n` +
        `  query: ${JSON.stringify(text)},\n  operationName: ${JSON.stringify(name)},\n};`,
    );
  }
  return out.join('\n\n');
}

function fragmentsUsedBy(
  node: OperationDefinitionNode | FragmentDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): FragmentDefinitionNode[] {
  const used: FragmentDefinitionNode[] = [];
  visit(node, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (seen.has(name)) return;
      seen.add(name);
      const fragment = fragments.get(name);
      if (!fragment) throw new Error(`fragment ${name} is spread but not defined`);
      used.push(fragment, ...fragmentsUsedBy(fragment, fragments, seen));
    },
  });
  return used;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const client of GRAPHQL_CLIENTS) {
    await writeFile(join(repoRoot, client.output), await generateClientOperations(client));
    console.log(`wrote ${client.output}`);
  }
}
