// `npm run train -- colorize|interpolate [--minutes N] [--out DIR] [--seed N] [--install-only]`
// Trains a model with this repo's PyTorch pipeline (Debian's python3-torch, CPU or GPU) and
// installs the exported ONNX with its registry manifest beside the code that uses it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@revive/config';
import { parseModelManifest, type ModelManifestInput } from '@revive/contracts';

const PYTHON = '/usr/bin/python3'; // Debian's, where apt puts torch; pyenv's python3 on PATH has none
const data = (p: string) => resolve(repoRoot, '../shared/data', p);

interface TrainingRecord {
  model: string;
  steps: number;
  train_minutes: number;
  parameters: number;
  device: string;
  args: Record<string, string>;
  temperature?: number;
  gain?: number;
}

const TASKS = {
  colorize: {
    dir: 'shared/colorizer',
    script: 'train_colorizer.py',
    args: ['--data', data('photos')],
    minutes: '55',
    manifest: (r: TrainingRecord): Omit<ModelManifestInput, 'sha256' | 'file' | 'id' | 'provenance'> => ({
      schemaVersion: 1,
      task: 'colorize',
      scale: 1,
      inputs: [{ name: 'luma', kind: 'image', layout: 'NCHW', channels: 1, range: [0, 1], colorSpace: 'ycbcr601-y' }],
      outputs: [{ name: 'chroma', kind: 'image', layout: 'NCHW', channels: 2, range: [-0.5, 0.5], colorSpace: 'ycbcr601-cbcr' }],
      tiling: { tileSize: 448, overlap: 0, sizeMultiple: 16 },
      workingSize: { shortSide: 224, maxSide: 448 },
      licence: 'MIT',
      source: 'trained by this repository (shared/colorizer/training) on ../shared/data/photos',
      description: `Revive colorization: U-Net over BT.601 luma classifying chroma into bins; annealed mean T=${r.temperature}, gain ${r.gain}`,
    }),
  },
  interpolate: {
    dir: 'shared/frame-interpolator',
    script: 'train_interpolator.py',
    args: ['--videos', data('video'), '--photos', data('photos')],
    minutes: '40',
    manifest: (): Omit<ModelManifestInput, 'sha256' | 'file' | 'id' | 'provenance'> => ({
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
} as const;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { minutes: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '1' }, 'install-only': { type: 'boolean' } },
});
const taskName = positionals[0] as keyof typeof TASKS;
const task = TASKS[taskName];
if (!task) {
  console.error('usage: npm run train -- colorize|interpolate [--minutes N] [--out DIR] [--seed N] [--install-only]');
  process.exit(2);
}

function ensurePythonDeps(): void {
  if (spawnSync(PYTHON, ['-c', 'import torch, onnx, PIL, numpy'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('training needs Debian packages: sudo apt-get install -y python3-torch python3-onnx python3-pil python3-numpy');
  console.log('installing python3-torch python3-onnx from apt (training only; running Revive does not need them)');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-torch', 'python3-onnx', 'python3-pil', 'python3-numpy'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (apt.status !== 0) throw new Error('apt-get install failed');
}

const outDir = resolve(values.out ?? join(repoRoot, '.revive/training', taskName));
if (!values['install-only']) {
  ensurePythonDeps();
  const run = spawnSync(PYTHON, [task.script, ...task.args, '--out', outDir, '--minutes', values.minutes ?? task.minutes, '--seed', values.seed], {
    cwd: resolve(repoRoot, task.dir, 'training'),
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`training failed with exit code ${run.status}`);
}

// Install: the ONNX file, its manifest and the training record go to the package's model directory.
const record = JSON.parse(await readFile(join(outDir, 'training-record.json'), 'utf8')) as TrainingRecord;
const modelDir = resolve(repoRoot, task.dir, 'model');
const file = `${record.model}.onnx`;
await copyFile(join(outDir, file), join(modelDir, file));
await copyFile(join(outDir, 'training-record.json'), join(modelDir, `${record.model}.training-record.json`));
const bytes = await readFile(join(modelDir, file));
const manifest: ModelManifestInput = {
  id: record.model,
  file,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  ...task.manifest(record),
  provenance: `npm run train -- ${taskName}: ${record.steps} steps, ${record.train_minutes.toFixed(1)} min on ${record.device}, seed ${record.args.seed}, ${(record.parameters / 1e6).toFixed(2)} M parameters; see ${record.model}.training-record.json`,
};
const parsed = parseModelManifest(manifest);
if (!parsed.ok) throw new Error(`manifest invalid: ${parsed.problems.join('; ')}`);
await writeFile(join(modelDir, `${record.model}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`installed ${file} (${(bytes.length / 1e6).toFixed(1)} MB) and its manifest in ${modelDir}`);
