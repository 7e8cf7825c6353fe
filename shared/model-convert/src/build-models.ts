import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONVERTER_VERSION, convertTfjsLayersDir } from './convert.ts';
import { upscalerjsCatalogue, upscalerjsManifest, type UpscalerjsModel } from './upscalerjs-catalogue.ts';

export interface BuildReport {
  readonly id: string;
  readonly action: 'built' | 'up-to-date';
  readonly bytes: number;
  readonly ms: number;
}

/** Converts every catalogued model into `outDir`, skipping those already built by this converter version. */
export async function buildModels(outDir: string, only?: (m: UpscalerjsModel) => boolean): Promise<BuildReport[]> {
  await mkdir(outDir, { recursive: true });
  const reports: BuildReport[] = [];
  for (const m of upscalerjsCatalogue().filter(only ?? (() => true))) {
    const started = performance.now();
    const manifestPath = join(outDir, `${m.id}.manifest.json`);
    const existing = await readFile(manifestPath, 'utf8').then(JSON.parse, () => undefined);
    const expected = upscalerjsManifest(m, existing?.sha256 ?? '', CONVERTER_VERSION);
    if (existing && existing.provenance === expected.provenance && existing.source === expected.source) {
      reports.push({ id: m.id, action: 'up-to-date', bytes: 0, ms: performance.now() - started });
      continue;
    }
    const converted = await convertTfjsLayersDir(m.dir, `${m.packageName} x${m.scale}`);
    const manifest = upscalerjsManifest(m, converted.sha256, CONVERTER_VERSION);
    // Write to temporary names and rename, so an interrupted build never leaves a half file behind a manifest.
    const onnxPath = join(outDir, manifest.file);
    await writeFile(`${onnxPath}.tmp`, converted.bytes);
    await rename(`${onnxPath}.tmp`, onnxPath);
    await writeFile(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(`${manifestPath}.tmp`, manifestPath);
    reports.push({ id: m.id, action: 'built', bytes: converted.bytes.length, ms: performance.now() - started });
  }
  return reports;
}
