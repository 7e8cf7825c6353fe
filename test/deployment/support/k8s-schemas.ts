import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@revive/config';
import type { K8sObject } from './kustomize.ts';

/** The subset of OpenAPI v3 / JSON Schema that CRD structural schemas use. */
interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  $defs?: Record<string, Schema>;
}

const schemaDir = join(repoRoot, 'test/deployment/schemas');

/** Vendored CRD schemas, keyed `<group>/<version>/<Kind>` (file `<group>_<version>_<Kind>.json`). */
function crdSchemas(): Map<string, Schema> {
  return new Map(
    readdirSync(schemaDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [
        f
          .replace(/\.json$/, '')
          .split('_')
          .join('/'),
        JSON.parse(readFileSync(join(schemaDir, f), 'utf8')) as Schema,
      ]),
  );
}

/** Validates a value against a structural schema; one line per problem, JSON-pointer located. */
export function checkSchema(value: unknown, schema: Schema, root: Schema = schema, path = ''): string[] {
  if (schema.$ref) {
    const target = root.$defs?.[schema.$ref.replace('#/$defs/', '')];
    if (!target) return [`${path}: unresolved ${schema.$ref}`];
    return checkSchema(value, target, root, path);
  }
  const here = path || '/';
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'string' || Number.isInteger(value) ? [] : [`${here}: must be an integer or a string`];
  }
  const problems: string[] = [];
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value;
  if (schema.type && !(schema.type === actual || (schema.type === 'number' && actual === 'integer')))
    return [`${here}: must be ${schema.type}, is ${actual}`];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${here}: must be one of ${schema.enum.join(', ')}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${here}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${here}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => problems.push(...checkSchema(v, schema.items!, root, `${path}/${i}`)));
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (obj[key] === undefined) problems.push(`${here}: missing required ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      const prop = schema.properties?.[key];
      if (prop) problems.push(...checkSchema(v, prop, root, `${path}/${key}`));
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...checkSchema(v, schema.additionalProperties, root, `${path}/${key}`));
      else if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true)
        problems.push(`${path}/${key}: unknown field`);
    }
  }
  return problems;
}

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates one rendered object: built-in kinds against the Kubernetes OpenAPI schemas
 * (kubernetes-models, offline), custom resources against the CRD schemas vendored in
 * test/deployment/schemas. An object of a kind neither knows is a problem, not a pass.
 */
export async function validateObject(object: K8sObject): Promise<string[]> {
  const name = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const crd = crdSchemas().get(`${object.apiVersion}/${object.kind}`);
  if (crd) return checkSchema(object, crd).map((p) => `${name}: ${p}`);
  // kubernetes-models lays its classes out by API group: `v1`, `apps/v1`, `networking.k8s.io/v1`.
  let models: Record<string, ModelClass | undefined>;
  try {
    models = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<string, ModelClass | undefined>;
  } catch {
    return [`${name}: no schema for ${object.apiVersion} (neither Kubernetes nor a vendored CRD)`];
  }
  const Model = models[object.kind];
  if (!Model) return [`${name}: ${object.apiVersion} has no kind ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${name}: ${(error as Error).message}`];
  }
}
