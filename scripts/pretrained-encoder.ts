// The colorizer's pretrained encoder: the MobileNetV2 inside the npm package nsfwjs (MIT). Its
// layers up to block_10 are Keras' ImageNet weights, frozen while nsfwjs fine-tuned the rest
// for its own classes: the only ImageNet-trained image features that install offline (model
// hubs are out of reach). Training fetches the pinned tarball through the npm registry (as
// `npm ci` would), checks its integrity, and writes the Keras topology and the quantised
// weights where train_colorizer.py reads them. Running Revive never needs this.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const PACKAGE = 'nsfwjs@4.4.0';
const INTEGRITY = 'sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==';
const MODEL_DIR = 'package/dist/models/mobilenet_v2';

interface KerasModelModule {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: unknown[] }[];
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Writes `<dir>/mobilenet_v2.json` (Keras topology + weight manifest) and `mobilenet_v2.bin`; returns dir. */
export async function preparePretrainedEncoder(dir: string): Promise<string> {
  const topologyPath = join(dir, 'mobilenet_v2.json');
  const weightsPath = join(dir, 'mobilenet_v2.bin');
  if (existsSync(topologyPath) && existsSync(weightsPath)) return dir;
  await mkdir(dir, { recursive: true });
  let tarball = (await readdir(dir)).find((f) => f.startsWith('nsfwjs-') && f.endsWith('.tgz'));
  if (!tarball) {
    console.log(`fetching ${PACKAGE} from the npm registry (its MobileNetV2 is the colorizer's pretrained encoder)`);
    tarball = run('npm', ['pack', PACKAGE, '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop()!;
  }
  const bytes = await readFile(join(dir, tarball));
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  if (integrity !== INTEGRITY) throw new Error(`${tarball}: integrity ${integrity} is not the pinned ${INTEGRITY}`);
  run('tar', ['xzf', tarball, `${MODEL_DIR}/model.min.js`, `${MODEL_DIR}/group1-shard1of1.min.js`], dir);

  // Both files are UMD bundles: the model exports its Keras JSON, the shard a base64 string.
  const load = createRequire(join(dir, MODEL_DIR, 'x.js'));
  const model = load('./model.min.js') as KerasModelModule;
  const shard = load('./group1-shard1of1.min.js') as unknown;
  if (typeof shard !== 'string' || model.weightsManifest.length !== 1) throw new Error(`${PACKAGE}: unexpected model layout`);
  await writeFile(
    topologyPath,
    JSON.stringify({ source: PACKAGE, integrity, modelTopology: model.modelTopology, weights: model.weightsManifest[0]!.weights }),
  );
  await writeFile(weightsPath, Buffer.from(shard, 'base64'));
  return dir;
}
