import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelManifestInput } from '@revive/contracts';

const require = createRequire(import.meta.url);

export type EsrganFamily = 'slim' | 'medium' | 'thick';

/** One pretrained UpscalerJS model that Revive converts to ONNX at install time. */
export interface UpscalerjsModel {
  readonly id: string;
  readonly family: EsrganFamily;
  readonly scale: 2 | 4;
  readonly packageName: string;
  readonly packageVersion: string;
  /** Directory holding model.json and its weight shards. */
  readonly dir: string;
  /** Value range the network was trained on: slim and medium take 0–255, thick 0–1. */
  readonly range: readonly [number, number];
  /** Tiling hint: overlap covers most of the effective receptive field. */
  readonly tiling: { readonly tileSize: number; readonly overlap: number };
}

const families: Record<EsrganFamily, { range: [number, number]; tiling: { tileSize: number; overlap: number }; arch: string }> = {
  slim: { range: [0, 255], tiling: { tileSize: 128, overlap: 16 }, arch: 'RDN C1-D2-G4-G0-64' },
  medium: { range: [0, 255], tiling: { tileSize: 128, overlap: 24 }, arch: 'RDN C1-D10-G64-G0-64' },
  thick: { range: [0, 1], tiling: { tileSize: 128, overlap: 32 }, arch: 'RRDN C4-D3-G32-G0-64-T10' },
};

/** The installed package's directory (its exports map hides package.json, so walk up from its entry). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(join('node_modules', name))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot locate the directory of ${name}`);
    dir = parent;
  }
  return dir;
}

/** Every UpscalerJS model Revive ships, found in node_modules (installed from npm, no network at build). */
export function upscalerjsCatalogue(): UpscalerjsModel[] {
  const out: UpscalerjsModel[] = [];
  for (const family of ['slim', 'medium', 'thick'] as const) {
    const packageName = `@upscalerjs/esrgan-${family}`;
    const pkgDir = packageDir(packageName);
    const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    for (const scale of [2, 4] as const) {
      out.push({
        id: `esrgan-${family}-x${scale}`,
        family,
        scale,
        packageName,
        packageVersion: version,
        dir: join(pkgDir, 'models', `x${scale}`),
        range: families[family].range,
        tiling: families[family].tiling,
      });
    }
  }
  return out;
}

/** The registry manifest for a converted UpscalerJS model (sha256 filled in by the builder). */
export function upscalerjsManifest(m: UpscalerjsModel, sha256: string, converterVersion: string): ModelManifestInput {
  const io = { kind: 'image' as const, layout: 'NCHW' as const, channels: 3, range: [...m.range] as [number, number], colorSpace: 'rgb' };
  return {
    schemaVersion: 1,
    id: m.id,
    task: 'superres',
    scale: m.scale,
    file: `${m.id}.onnx`,
    sha256,
    inputs: [{ name: 'input', ...io }],
    outputs: [{ name: 'output', ...io }],
    tiling: { ...m.tiling, sizeMultiple: 1 },
    licence: 'MIT',
    source: `npm ${m.packageName}@${m.packageVersion} models/x${m.scale} (UpscalerJS, Kevin Scott; ESRGAN/RDN trained on DIV2K)`,
    provenance: `converted from the TF.js layers model by @revive/model-convert ${converterVersion} (ONNX opset 17, NCHW); architecture ${families[m.family].arch}`,
    description: `ESRGAN ${m.family} x${m.scale} photo super-resolution`,
  };
}
