import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of the public GraphQL SDL: the only definition of the API. */
export const graphqlSchemaPath = fileURLToPath(new URL('../graphql/schema.graphql', import.meta.url));

/** The public GraphQL SDL as text (read once). */
export const graphqlSchemaSdl: string = readFileSync(graphqlSchemaPath, 'utf8');
