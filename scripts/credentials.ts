// Credentials for deployments, made the way `npm start` makes its own (shared/local-services):
//   npm run credentials -- nats-permissions      rewrite the nats-server permission files that
//                                                Compose and Kubernetes include, from the stage catalogue
//   npm run -s credentials -- nats-keys          a fresh nkey per service and the operator, as env
//                                                lines: append to deploy/docker/.env, or make the
//                                                Kubernetes Secret revive-nats from them
//   npm run credentials -- local-ca DIR HOST...  a local CA and a certificate for HOSTs in DIR (HTTPS on a LAN)
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@revive/config';
import { ensureLocalTls, localMachineHosts } from '@revive/local-services';
import { generateNkeyUser, NATS_SERVICES, natsSeedVariable, natsUserVariable, renderDeploymentNatsAuthorization } from '@revive/messaging';

/** Where the deployments read the permissions from (each next to the nats.conf that includes it). */
const DEPLOYED_NATS_AUTHORIZATION = ['deploy/docker/nats-auth.conf', 'deploy/k8s/base/nats-auth.conf'] as const;

const [command, ...args] = process.argv.slice(2);
if (command === 'nats-permissions') {
  for (const file of DEPLOYED_NATS_AUTHORIZATION) await writeFile(join(repoRoot, file), renderDeploymentNatsAuthorization());
  console.error(`wrote ${DEPLOYED_NATS_AUTHORIZATION.join(', ')}`);
} else if (command === 'nats-keys') {
  const lines = ['# NATS nkeys (npm run credentials -- nats-keys): the server gets the USER (public) keys, each service its SEED.'];
  for (const user of [...NATS_SERVICES, 'admin'] as const) {
    const key = generateNkeyUser();
    lines.push(`${natsUserVariable(user)}=${key.publicKey}`, `${natsSeedVariable(user)}=${key.seed}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} else if (command === 'local-ca' && args[0]) {
  const [dir, ...hosts] = args;
  const files = await ensureLocalTls(dir!, hosts.length ? hosts : localMachineHosts());
  console.error(
    `CA ${files.caCertFile} (import it on each device); certificate ${files.certFile}, key ${files.keyFile} for ${files.hosts.join(', ')}`,
  );
} else {
  console.error('usage: npm run credentials -- nats-permissions | nats-keys | local-ca DIR [HOST...]');
  process.exit(2);
}
