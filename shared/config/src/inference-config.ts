import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { z } from 'zod';
import { defaultStateDir, repoRoot } from './paths.ts';

const env = z.object({
  REVIVE_STATE_DIR: z.string().min(1).optional(),
  /** Extra directories with operator-installed models, separated like PATH. */
  REVIVE_MODELS_DIRS: z.string().optional(),
  /** Intra-op threads per inference session; defaults to the machine's parallelism. */
  REVIVE_INFERENCE_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /** Tile side in input pixels; overrides each model's own tiling hint when set. */
  REVIVE_TILE_SIZE: z.coerce.number().int().min(16).max(4096).optional(),
  /** Largest image accepted, in pixels (decompression-bomb guard). */
  REVIVE_MAX_INPUT_PIXELS: z.coerce.number().int().positive().optional(),
  /** Super-resolution model per factor, e.g. `2=revive-sr-clean-x2,4=esrgan-thick-x4`; the stage's defaults for the others. */
  REVIVE_SUPERRES_MODELS: z.string().optional(),
});

/** The variables this parser reads; deployment manifests are checked against them. */
export const INFERENCE_ENV_KEYS: readonly string[] = Object.keys(env.shape);

/** Models trained by this repository and committed with it (small ONNX files plus manifests). */
// Each restoration engine keeps its committed model in a `model/` folder of its own package
// (shared/<engine>/model or services/<stage>/model): found, not listed, so a new engine needs no edit here.
export const bundledModelDirs: readonly string[] = ['shared', 'services']
  .flatMap((parent) =>
    (existsSync(resolve(repoRoot, parent)) ? readdirSync(resolve(repoRoot, parent), { withFileTypes: true }) : [])
      .filter((d) => d.isDirectory())
      .map((d) => resolve(repoRoot, parent, d.name, 'model')),
  )
  .filter((dir) => existsSync(dir))
  .sort();

/** Settings of the model runtime and registry. */
export interface InferenceConfig {
  readonly stateDir: string;
  /** Built-in models (converted at install, then those trained by this repo) come first; operator ones follow. */
  readonly modelDirs: readonly string[];
  readonly threads: number;
  readonly tileSize: number | undefined;
  readonly maxInputPixels: number;
  /** Operator's choice of super-resolution model per factor (2, 4); empty when unset. */
  readonly superresModels: Readonly<Partial<Record<2 | 4, string>>>;
}

/** `2=id,4=id` -> {2: id, 4: id}; anything else is a ConfigError naming the bad part. */
function parseSuperresModels(value: string | undefined): Partial<Record<2 | 4, string>> {
  const models: Partial<Record<2 | 4, string>> = {};
  for (const part of (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([24])\s*=\s*([A-Za-z0-9._-]+)$/.exec(part);
    if (!match) throw new ConfigError(`invalid inference settings: REVIVE_SUPERRES_MODELS: "${part}" is not <2|4>=<model id>`);
    models[Number(match[1]) as 2 | 4] = match[2]!;
  }
  return models;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly retryable = false;
}

/** Parses the environment once into the runtime's typed settings. */
export function loadInferenceConfig(source: NodeJS.ProcessEnv = process.env): InferenceConfig {
  const parsed = env.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(`invalid inference settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const stateDir = resolve(e.REVIVE_STATE_DIR ?? defaultStateDir);
  const extra = (e.REVIVE_MODELS_DIRS ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d) => resolve(d));
  return {
    stateDir,
    modelDirs: [resolve(stateDir, 'models'), ...bundledModelDirs, ...extra],
    threads: e.REVIVE_INFERENCE_THREADS ?? availableParallelism(),
    tileSize: e.REVIVE_TILE_SIZE,
    // 268 MP is sharp's own default ceiling; 24 MP phone photos sit well inside it.
    maxInputPixels: e.REVIVE_MAX_INPUT_PIXELS ?? 268_402_689,
    superresModels: parseSuperresModels(e.REVIVE_SUPERRES_MODELS),
  };
}
