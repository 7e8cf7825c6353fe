// `npm run train -- colorize|interpolate|sr|repair [--only RUN] [--minutes N] [--out DIR] [--seed N] [--install-only | --export-only]`
// `npm run train -- sr --plan --data-root .device-pack --out '$OUT' [--minutes N]`
// Trains a model (sr: a recipe of four) with this repo's PyTorch pipeline (Debian's
// python3-torch, CPU or GPU) and installs each exported ONNX with its registry manifest beside
// the code that uses it. --plan prints the recipe's commands instead, to run on a GPU machine
// that has Python but not this toolchain; --export-only then re-exports the checkpoints brought
// back (with this machine's torch) and installs them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { parseModelManifest, type ModelManifestInput, type TensorContract } from '@revive/contracts';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import {
  ALL_DAMAGE_KINDS,
  detectDamage,
  fillerFor,
  LEAST_FILL_WEIGHT,
  REGION_FEATURES,
  REGION_OUTCOMES,
  writeHardCropSet,
  writeRegionTrainingSet,
  writeRepairTrainingSet,
} from '@revive/repairer';
import { preparePretrainedEncoder } from './pretrained-encoder.ts';

const PYTHON = '/usr/bin/python3'; // Debian's, where apt puts torch; pyenv's python3 on PATH has none
/** ../shared/data, or what --data-root names (a --plan's paths stay relative to the repo root). */
let dataRoot = resolve(repoRoot, '../shared/data');
const data = (p: string) => join(dataRoot, p);
/** Where the colorizer's pretrained encoder is unpacked, beside the runs of the task. */
const encoderDir = (outRoot: string) => join(outRoot, 'pretrained');

interface TrainingRecord {
  model: string;
  architecture?: { channels?: number; layers?: number; mode?: string; scale?: number; net?: string; width?: number };
  steps: number;
  train_minutes: number;
  parameters: number;
  device: string;
  args: Record<string, string>;
  temperature?: number;
  gain?: number;
  working_size?: { short_side: number; max_side: number; size_multiple: number };
  encoder?: { source: string; taps: string[]; frozen: boolean; tuned_layers?: string } | null;
}

type ManifestBody = Omit<ModelManifestInput, 'sha256' | 'file' | 'id' | 'provenance'>;

/** One training run: a script in `<dir>/training`, its arguments, and the manifest of what it exports. */
interface TrainingRun {
  readonly dir: string;
  readonly script: string;
  /** The run's output folder (checkpoint, ONNX, training record) under the task's --out. */
  readonly name: string;
  readonly args: (outRoot: string) => string[];
  /** Work before training, e.g. fetching a pretrained encoder into outRoot. */
  readonly prepare?: (outRoot: string) => Promise<unknown>;
  readonly minutes: number;
  readonly manifest: (r: TrainingRecord) => ManifestBody;
}

/**
 * The weights a fine-tune starts from: the earlier run's checkpoint when it was trained on this
 * machine, otherwise that model as committed, so one step of a chain (v4 → v5) can be rerun on a
 * fresh clone or a lent GPU without training every step before it again.
 */
function startingWeights(outRoot: string, dir: string, model: string): string {
  const checkpoint = join(outRoot, model, 'checkpoint.pt');
  return existsSync(checkpoint) ? checkpoint : resolve(repoRoot, dir, 'model', `${model}.onnx`);
}

const srRun = (variant: 'clean' | 'photo', scale: 2 | 4, minutes: number, initFrom?: string): TrainingRun => ({
  dir: 'services/superres',
  script: 'train_sr.py',
  name: `sr-${variant}-x${scale}`,
  args: (outRoot) => [
    '--data',
    data('photos'),
    '--set5',
    data('sr/Set5'),
    '--model',
    `revive-sr-${variant}-x${scale}`,
    '--scale',
    String(scale),
    '--variant',
    variant,
    // From the checkpoint only: the exported SR graphs rename their PReLU slopes (initial_weights refuses them).
    ...(initFrom ? ['--init', join(outRoot, initFrom, 'checkpoint.pt')] : []),
  ],
  minutes,
  manifest: (r) => ({
    schemaVersion: 1,
    task: 'superres',
    scale,
    inputs: [{ name: 'input', kind: 'image', layout: 'NCHW', channels: 3, range: [0, 1], colorSpace: 'rgb' }],
    outputs: [{ name: 'output', kind: 'image', layout: 'NCHW', channels: 3, range: [0, 1], colorSpace: 'rgb' }],
    // Receptive field: layers + 2 convolutions of radius 1 plus the 5x5 bicubic; 16 px of overlap covers it.
    tiling: { tileSize: 256, overlap: 16, sizeMultiple: 1 },
    licence: 'MIT',
    source: 'trained by this repository (services/superres/training) on ../shared/data/photos',
    description:
      `Revive super-resolution x${scale}, ${variant === 'clean' ? 'clean bicubic input (benchmark protocol)' : 'old-photo input: blur, noise, film grain, JPEG (restoration default)'}; ` +
      `compact ${r.architecture?.channels}x${r.architecture?.layers} conv net, ${r.architecture?.mode} residual over bicubic`,
  }),
});

/** What a repair network learns from: the generator's default kinds, or every kind (craquelure from v5). */
type DamageDraw = 'default' | 'all';
const drawnKinds = (draw: DamageDraw) => (draw === 'all' ? ALL_DAMAGE_KINDS : undefined);

/** The repair networks' training set, written by the synthetic-damage generator under the task's --out. */
const repairSetDir = (outRoot: string, draw: DamageDraw = 'default') =>
  join(outRoot, draw === 'all' ? 'damage-set-all-kinds' : 'damage-set');

async function prepareRepairSet(outRoot: string, draw: DamageDraw): Promise<void> {
  const dir = repairSetDir(outRoot, draw);
  if (existsSync(join(dir, 'meta.json'))) return;
  console.log(`writing the synthetic-damage training set to ${dir}`);
  const info = await writeRepairTrainingSet({
    photosDir: data('photos'),
    outDir: dir,
    crop: 128,
    perPhoto: 3,
    seed: Number(values.seed),
    kinds: drawnKinds(draw),
    onPhoto: (done, total) => done % 500 === 0 && console.log(`  ${done}/${total} photos`),
  });
  console.log(`  ${info.train} training and ${info.val} validation crops of ${info.crop} px`);
}

/** Where the crops mined with `from` (an installed detector) are written. */
const hardSetDir = (outRoot: string, from: string, draw: DamageDraw = 'default') =>
  join(outRoot, `hard-crops-${from}${draw === 'all' ? '-all-kinds' : ''}`);

/**
 * Crops of the training photos where the installed detector `from` marks what is not damage,
 * for a detector fine-tuned from it. Seed 777 with the default --seed 1: the draw v3 and v4 learned from.
 */
async function prepareHardSet(outRoot: string, from: string, draw: DamageDraw): Promise<void> {
  const dir = hardSetDir(outRoot, from, draw);
  if (existsSync(join(dir, 'meta.json'))) return;
  const config = loadInferenceConfig();
  const runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  try {
    const detector = await runtime.load(from);
    console.log(`mining crops where ${from} marks what is not damage, into ${dir}`);
    const info = await writeHardCropSet({
      photosDir: data('photos'),
      outDir: dir,
      crop: 128,
      seed: Number(values.seed) + 776,
      kinds: drawnKinds(draw),
      detect: async (rgb, width, height) => (await detectDamage(detector, rgb, width, height, 3, 1)).probability,
      onPhoto: (done, total, written) => done % 500 === 0 && console.log(`  ${done}/${total} photos, ${written} crops`),
    });
    console.log(`  ${info.train} crops of ${info.crop} px`);
  } finally {
    await runtime.close();
  }
}

/**
 * A repair network's run; a detector given `fineTuneFrom` starts from that run's weights and
 * learns on its mistakes too, on prints damaged with the generator's default kinds or all of them.
 */
function repairRun(
  net: 'detector' | 'inpainter',
  model: string,
  minutes: number,
  fineTuneFrom?: string,
  draw: DamageDraw = 'default',
): TrainingRun {
  const image: TensorContract = { name: 'image', kind: 'image', layout: 'NCHW', channels: 3, range: [0, 1], colorSpace: 'rgb' };
  const dir = 'shared/repairer';
  return {
    dir,
    script: 'train_repair.py',
    name: model,
    prepare: async (outRoot) => {
      await prepareRepairSet(outRoot, draw);
      if (fineTuneFrom) await prepareHardSet(outRoot, fineTuneFrom, draw);
    },
    args: (outRoot) => [
      '--net',
      net,
      '--data',
      repairSetDir(outRoot, draw),
      '--model',
      model,
      // Half of each batch from the mined crops; damage weighs 2 instead of 4 in the loss; a gentler rate from trained weights.
      ...(fineTuneFrom
        ? [
            ...['--init', startingWeights(outRoot, dir, fineTuneFrom), '--hard', hardSetDir(outRoot, fineTuneFrom, draw)],
            ...['--hard-share', '0.5', '--pos-weight', '2', '--lr', '5e-4'],
          ]
        : []),
    ],
    minutes,
    manifest: (r) => ({
      schemaVersion: 1,
      task: net === 'detector' ? 'repair-detect' : 'repair-fill',
      scale: 1,
      inputs:
        net === 'detector'
          ? [image]
          : [image, { name: 'mask', kind: 'image', layout: 'NCHW', channels: 1, range: [0, 1], colorSpace: 'mask' }],
      outputs:
        net === 'detector'
          ? [{ name: 'damage', kind: 'image', layout: 'NCHW', channels: 1, range: [0, 1], colorSpace: 'probability' }]
          : [{ ...image, name: 'filled' }],
      // Two 2x poolings: sides a multiple of 4. The dilated coarse scale sees ~40 px around a pixel.
      tiling: { tileSize: 512, overlap: 48, sizeMultiple: 4 },
      licence: 'MIT',
      source:
        'trained by this repository (shared/repairer/training) on ../shared/data/photos with synthetic damage (shared/repairer/src/synthetic-damage.ts)',
      description:
        net === 'detector'
          ? `Revive damage detector: U-Net (width ${r.architecture?.width}) marking cracks, scratches, dust, hairs, tears and stain tide lines`
          : 'Revive inpainter: U-Net filling masked damage from its surroundings',
    }),
  };
}

/** A verifier's regions: those its detector marks on training photos damaged afresh. */
const regionSetDir = (outRoot: string, detector: string) => join(outRoot, `region-set-${detector}`);

async function prepareRegionSet(outRoot: string, detector: string, draw: DamageDraw): Promise<void> {
  const dir = regionSetDir(outRoot, detector);
  const meta = join(dir, 'meta.json');
  // Sets written before REGION_OUTCOMES lack what a blend is scored with: written again.
  if (existsSync(meta) && JSON.parse(await readFile(meta, 'utf8')).outcomes?.join() === REGION_OUTCOMES.join()) return;
  const config = loadInferenceConfig();
  const runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  try {
    console.log(`writing the regions ${detector} marks on 2,000 damaged training photos to ${dir}`);
    const info = await writeRegionTrainingSet({
      photosDir: data('photos'),
      outDir: dir,
      detector: await runtime.load(detector),
      filler: await fillerFor(runtime, 'telea'),
      photos: 2000,
      seed: Number(values.seed) + 69_999,
      kinds: drawnKinds(draw),
      onPhoto: (done, total) => done % 500 === 0 && console.log(`  ${done}/${total} photos`),
    });
    console.log(`  ${info.regions} regions`);
  } finally {
    await runtime.close();
  }
}

/**
 * A verifier judges the regions of one detector, so it is trained after that detector is
 * installed: `decide` says whether to fill a region (verify-v1 to v3), `blend` how much of its
 * fill to take (train_verifier.py says why).
 */
const repairVerifierRun = (
  model: string,
  detector: string,
  { draw = 'default', objective = 'blend' }: { draw?: DamageDraw; objective?: 'decide' | 'blend' } = {},
): TrainingRun => {
  const output = objective === 'blend' ? 'fillWeight' : 'helps';
  return {
    dir: 'shared/repairer',
    script: 'train_verifier.py',
    name: model,
    prepare: (outRoot) => prepareRegionSet(outRoot, detector, draw),
    args: (outRoot) => [
      ...['--data', regionSetDir(outRoot, detector), '--model', model, '--objective', objective],
      ...['--least-fill-weight', String(LEAST_FILL_WEIGHT)],
    ],
    minutes: 10, // a ceiling: the steps end the run first
    manifest: (r) => ({
      schemaVersion: 1,
      task: 'repair-verify',
      scale: 1,
      inputs: [{ name: 'features', kind: 'features', features: [...REGION_FEATURES] }],
      outputs: [{ name: output, kind: 'features', features: [output], range: [0, 1] }],
      licence: 'MIT',
      source:
        'trained by this repository (shared/repairer/training) on the regions its damage detector marks on ../shared/data/photos with synthetic damage',
      description:
        `Revive repair verifier for ${detector}: ${r.architecture?.width} hidden units over each marked region's features; ` +
        (objective === 'blend' ? 'how much of its fill each region takes' : 'above 0.5, filling it helps'),
    }),
  };
};

function colorizerManifest(r: TrainingRecord): ManifestBody {
  // Records without an encoder came from the retired from-scratch U-Net (revive-colorize-v1).
  if (!r.encoder)
    throw new Error(`${r.model}: the training record names no pretrained encoder; only encoder-based colorizers are installed`);
  const tuned = r.encoder.frozen ? '' : `, late blocks fine-tuned: ${r.encoder.tuned_layers}`;
  return {
    schemaVersion: 1,
    task: 'colorize',
    scale: 1,
    inputs: [{ name: 'luma', kind: 'image', layout: 'NCHW', channels: 1, range: [0, 1], colorSpace: 'ycbcr601-y' }],
    outputs: [{ name: 'chroma', kind: 'image', layout: 'NCHW', channels: 2, range: [-0.5, 0.5], colorSpace: 'ycbcr601-cbcr' }],
    // The whole working-size image is one tile: the encoder's view of the photo is what picks colours.
    tiling: { tileSize: r.working_size!.max_side, overlap: 0, sizeMultiple: r.working_size!.size_multiple },
    workingSize: { shortSide: r.working_size!.short_side, maxSide: r.working_size!.max_side },
    licence: `MIT; encoder weights from ${r.encoder.source} (MIT), ImageNet MobileNetV2 of Keras Applications (Apache-2.0)`,
    source:
      `trained by this repository (shared/colorizer/training) on ../shared/data/photos; ${r.encoder.frozen ? 'frozen ' : ''}encoder: ` +
      `the ImageNet MobileNetV2 inside ${r.encoder.source} (MIT)${tuned}, see scripts/pretrained-encoder.ts`,
    description:
      `Revive colorization: pretrained MobileNetV2 encoder (${r.encoder.frozen ? 'frozen' : 'late blocks fine-tuned'}) + U-Net decoder over BT.601 luma` +
      ` classifying chroma into bins; annealed mean T=${r.temperature}, gain ${r.gain}`,
  };
}

const TASKS: Record<string, readonly TrainingRun[]> = {
  colorize: [
    {
      dir: 'shared/colorizer',
      script: 'train_colorizer.py',
      name: 'revive-colorize-v2',
      prepare: (outRoot) => preparePretrainedEncoder(encoderDir(outRoot)),
      args: (outRoot) => ['--data', data('photos'), '--encoder', encoderDir(outRoot)],
      minutes: 70,
      manifest: colorizerManifest,
    },
  ],
  interpolate: [
    {
      dir: 'shared/frame-interpolator',
      script: 'train_interpolator.py',
      name: '.',
      args: () => ['--videos', data('video'), '--photos', data('photos')],
      minutes: 40,
      manifest: () => ({
        schemaVersion: 1,
        task: 'interpolate',
        scale: 1,
        inputs: [
          { name: 'frame0', kind: 'image', layout: 'NCHW', channels: 3, range: [0, 1], colorSpace: 'rgb' },
          { name: 'frame1', kind: 'image', layout: 'NCHW', channels: 3, range: [0, 1], colorSpace: 'rgb' },
          { name: 'timestep', kind: 'scalar' },
        ],
        outputs: [{ name: 'frame', kind: 'image', layout: 'NCHW', channels: 3, range: [0, 1], colorSpace: 'rgb' }],
        tiling: { tileSize: 1024, overlap: 128, sizeMultiple: 32 },
        licence: 'MIT',
        source: 'trained by this repository (shared/frame-interpolator/training) on ../shared/data/video and ../shared/data/photos',
        description: 'Revive frame interpolation: three-scale flow network (IFNet-style), arbitrary timestep',
      }),
    },
  ],
  // The generator (TypeScript) writes the damaged crops once; both networks learn from them.
  // Each fine-tuned detector starts from the one before, installed just before, and learns on the
  // crops it gets most wrong: v1 → v3 → v4 (v2 was a harder generator that did not beat v1; it
  // stayed on a branch).
  repair: [
    repairRun('detector', 'revive-repair-detect-v1', 20),
    repairRun('inpainter', 'revive-repair-fill-v1', 12),
    repairRun('detector', 'revive-repair-detect-v3', 45, 'revive-repair-detect-v1'),
    repairRun('detector', 'revive-repair-detect-v4', 30, 'revive-repair-detect-v3'),
    repairVerifierRun('revive-repair-verify-v1', 'revive-repair-detect-v4', { objective: 'decide' }),
    // v5 learns craquelure, the crazed networks of cracked portraits, from v4 and its mistakes on them;
    // with verify-v2 it was the eval's candidate before v7.
    repairRun('detector', 'revive-repair-detect-v5', 35, 'revive-repair-detect-v4', 'all'),
    repairVerifierRun('revive-repair-verify-v2', 'revive-repair-detect-v5', { draw: 'all', objective: 'decide' }),
    // v6 is the mining step once more, from v4: the thin bright real lines (a wire, a building's
    // rim) it and the verifier took for scratches are what still leaves photos worse.
    repairRun('detector', 'revive-repair-detect-v6', 30, 'revive-repair-detect-v4'),
    repairVerifierRun('revive-repair-verify-v3', 'revive-repair-detect-v6', { objective: 'decide' }),
    // verify-v4 weighs v6's regions instead: how much of each fill to take (README, Damage repair).
    repairVerifierRun('revive-repair-verify-v4', 'revive-repair-detect-v6'),
    // v7 is v5's craquelure step taken from v6 instead of v4: every kind of damage and v6's mistakes
    // on it. With verify-v5 it is the eval's candidate, not yet the stage's (README, Damage repair).
    repairRun('detector', 'revive-repair-detect-v7', 35, 'revive-repair-detect-v6', 'all'),
    repairVerifierRun('revive-repair-verify-v5', 'revive-repair-detect-v7', { draw: 'all' }),
  ],
  // The clean x4 model learns first (the longest run); the others start from it, so their short
  // runs only adapt it to another input or scale. --minutes N scales every budget by N/45.
  sr: [
    srRun('clean', 4, 45),
    srRun('photo', 4, 12, 'sr-clean-x4'),
    srRun('clean', 2, 10, 'sr-clean-x4'),
    srRun('photo', 2, 8, 'sr-clean-x2'),
  ],
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    minutes: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'install-only': { type: 'boolean' },
    'export-only': { type: 'boolean' },
    plan: { type: 'boolean' },
    'data-root': { type: 'string' },
    only: { type: 'string' },
  },
});
const taskName = positionals[0] ?? '';
const runs = TASKS[taskName]?.filter((run) => !values.only || run.name === values.only);
if (!runs?.length) {
  console.error(
    'usage: npm run train -- colorize|interpolate|sr|repair [--only RUN] [--minutes N] [--out DIR] [--seed N] [--install-only | --export-only | --plan [--data-root DIR]]',
  );
  process.exit(2);
}
if (values['data-root']) dataRoot = values.plan ? values['data-root'] : resolve(values['data-root']);

function ensurePythonDeps(): void {
  if (spawnSync(PYTHON, ['-c', 'import torch, onnx, PIL, numpy'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error('training needs Debian packages: sudo apt-get install -y python3-torch python3-onnx python3-pil python3-numpy');
  console.log('installing python3-torch python3-onnx from apt (training only; running Revive does not need them)');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-torch', 'python3-onnx', 'python3-pil', 'python3-numpy'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (apt.status !== 0) throw new Error('apt-get install failed');
}

const budgetScale = values.minutes ? Number(values.minutes) / runs[0]!.minutes : 1;
if (!Number.isFinite(budgetScale) || budgetScale <= 0) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
const scriptArgs = (run: TrainingRun, outRoot: string) => [
  ...run.args(outRoot),
  '--out',
  join(outRoot, run.name),
  '--minutes',
  String(Math.round(run.minutes * budgetScale * 100) / 100),
  '--seed',
  values.seed,
];

if (values.plan) {
  // Paths stay as given (relative to the repo root, or '$OUT' for the GPU machine's output folder).
  const outRoot = values.out ?? '.revive/training/' + taskName;
  const quote = (a: string) => (/^[\w./=-]+$/.test(a) ? a : `"${a}"`);
  for (const run of runs) {
    if (run.prepare)
      throw new Error(`${taskName}: ${run.name} prepares files before training (the encoder); --plan does not carry them yet`);
    console.log(['python3', join(run.dir, 'training', run.script), ...scriptArgs(run, outRoot)].map(quote).join(' '));
  }
  process.exit(0);
}

const outRoot = resolve(values.out ?? join(repoRoot, '.revive/training', taskName));
if (!values['install-only']) ensurePythonDeps();
for (const run of runs) {
  if (!values['install-only']) {
    await run.prepare?.(outRoot);
    const args = [run.script, ...scriptArgs(run, outRoot), ...(values['export-only'] ? ['--export-only'] : [])];
    const trained = spawnSync(PYTHON, args, { cwd: resolve(repoRoot, run.dir, 'training'), stdio: 'inherit' });
    if (trained.status !== 0) throw new Error(`training ${run.name} failed with exit code ${trained.status}`);
  }
  await install(run, join(outRoot, run.name));
}

/** The ONNX file, its manifest and the training record go to the package's model directory. */
async function install(run: TrainingRun, outDir: string): Promise<void> {
  const record = JSON.parse(await readFile(join(outDir, 'training-record.json'), 'utf8')) as TrainingRecord;
  const modelDir = resolve(repoRoot, run.dir, 'model');
  const file = `${record.model}.onnx`;
  await copyFile(join(outDir, file), join(modelDir, file));
  await copyFile(join(outDir, 'training-record.json'), join(modelDir, `${record.model}.training-record.json`));
  const bytes = await readFile(join(modelDir, file));
  const manifest: ModelManifestInput = {
    id: record.model,
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...run.manifest(record),
    provenance: `npm run train -- ${taskName}: ${record.steps} steps, ${record.train_minutes.toFixed(1)} min on ${record.device}, seed ${record.args.seed}, ${(record.parameters / 1e6).toFixed(2)} M parameters; see ${record.model}.training-record.json`,
  };
  const parsed = parseModelManifest(manifest);
  if (!parsed.ok) throw new Error(`manifest invalid: ${parsed.problems.join('; ')}`);
  await writeFile(join(modelDir, `${record.model}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`installed ${file} (${(bytes.length / 1e6).toFixed(1)} MB) and its manifest in ${modelDir}`);
}
