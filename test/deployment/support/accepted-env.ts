import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { INFERENCE_ENV_KEYS, PLATFORM_ENV_KEYS, repoRoot } from '@revive/config';

const configSrc = join(repoRoot, 'shared/config/src');

/**
 * Variables that no Revive parser reads but a library the services use does, as the README's
 * configuration table says: the AWS SDK's default credential chain (a non-AWS S3 server such as
 * MinIO). On EKS the pods get credentials through IRSA and none of these is set.
 */
export const SDK_CREDENTIAL_ENV: readonly string[] = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/** Keys of every `const env = z.object({...})` in one source file, read with the TypeScript parser. */
export function zodEnvKeysInSource(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      node.name.getText(source) === 'env' &&
      node.initializer &&
      ts.isCallExpression(node.initializer)
    ) {
      const call = node.initializer;
      const [shape] = call.arguments;
      if (call.expression.getText(source) === 'z.object' && shape && ts.isObjectLiteralExpression(shape)) {
        for (const p of shape.properties) if (p.name) keys.push(p.name.getText(source).replace(/^['"]|['"]$/g, ''));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return keys;
}

/**
 * Every environment variable some Revive config parser accepts. The platform and inference
 * parsers export their keys (derived from their zod schemas at run time); the other parsers in
 * shared/config (telemetry) are read from their zod schema in source, the same way, and the test
 * checks that the source reading agrees with the exported keys where both exist.
 */
export function acceptedEnv(): ReadonlySet<string> {
  const fromSources = readdirSync(configSrc)
    .filter((f) => f.endsWith('-config.ts') && !f.endsWith('.spec.ts'))
    .flatMap((f) => zodEnvKeysInSource(join(configSrc, f)));
  return new Set([...PLATFORM_ENV_KEYS, ...INFERENCE_ENV_KEYS, ...fromSources]);
}

/** The exported keys and what the source reading finds for the same files (for the agreement check). */
export function exportedVersusSource(): { exported: string[]; fromSource: string[] } {
  return {
    exported: [...PLATFORM_ENV_KEYS, ...INFERENCE_ENV_KEYS].sort(),
    fromSource: ['platform-config.ts', 'inference-config.ts'].flatMap((f) => zodEnvKeysInSource(join(configSrc, f))).sort(),
  };
}

/** Values that parse as what a secret holds in production, for secret-backed variables. */
export function sampleSecretValue(name: string): string {
  if (name === 'REVIVE_DATABASE_URL') return 'postgres://revive:sample@postgres.example:5432/revive';
  if (name === 'REVIVE_URL_SIGNING_SECRET') return 's'.repeat(48);
  if (name === 'REVIVE_NATS_NKEY_SEED') return `SU${'A'.repeat(56)}`;
  return 'sample';
}
