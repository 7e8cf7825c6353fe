import { NATS_SERVICES, natsPermissionsOf, type NatsService } from './nats-permissions.ts';

/**
 * A service's public nkey as nats-server's configuration reads it: a literal key (`U…`), or a
 * `$VARIABLE` the server resolves from its environment (Compose and Kubernetes hand it over that way).
 */
export type NkeyReference = string;

/** The environment variable a deployment's nats-server reads a service's public nkey from. */
export function natsUserVariable(service: NatsService | 'admin'): string {
  return `REVIVE_NATS_USER_${service.toUpperCase()}`;
}

/** The variable a deployment keeps a service's nkey seed in (Compose's .env, the Kubernetes Secret revive-nats). */
export function natsSeedVariable(service: NatsService | 'admin'): string {
  return `REVIVE_NATS_SEED_${service.toUpperCase()}`;
}

const quote = (subject: string) => JSON.stringify(subject);
const list = (subjects: readonly string[], indent: string) => `[\n${subjects.map((s) => `${indent}  ${quote(s)}`).join('\n')}\n${indent}]`;

/**
 * nats-server's `authorization` block: one nkey user per service with the permissions derived
 * from the catalogue, and an optional operator user (`admin`, no limits) for the NATS CLI and
 * tests. No anonymous client is accepted once any user is configured.
 */
export function renderNatsAuthorization(keys: Readonly<Record<NatsService, NkeyReference>> & { readonly admin?: NkeyReference }): string {
  const value = (key: NkeyReference) => (key.startsWith('$') ? key : quote(key));
  const users = NATS_SERVICES.map((service) => {
    const p = natsPermissionsOf(service);
    return [
      `    # ${service}`,
      `    {`,
      `      nkey: ${value(keys[service])}`,
      `      permissions: {`,
      `        publish: { allow: ${list(p.publish, '        ')} }`,
      `        subscribe: { allow: ${list(p.subscribe, '        ')} }`,
      `      }`,
      `    }`,
    ].join('\n');
  });
  if (keys.admin) users.push(`    # admin: the operator (NATS CLI), every subject\n    { nkey: ${value(keys.admin)} }`);
  return `authorization {\n  users = [\n${users.join('\n')}\n  ]\n}\n`;
}

/**
 * The `authorization` block deployments include from their nats.conf: the permissions derived
 * from the catalogue, each user's public key read from the server's environment
 * (REVIVE_NATS_USER_<SERVICE>, from Compose's .env or the Kubernetes Secret revive-nats).
 */
export function renderDeploymentNatsAuthorization(): string {
  const keys = Object.fromEntries(NATS_SERVICES.map((s) => [s, `$${natsUserVariable(s)}`])) as Record<NatsService, NkeyReference>;
  return (
    '# Generated from the stage catalogue (contracts/src/flow.ts) by `npm run credentials -- nats-permissions`;\n' +
    '# do not edit. Each service signs in with its own nkey and may do only what its stage does.\n' +
    renderNatsAuthorization({ ...keys, admin: `$${natsUserVariable('admin')}` })
  );
}
