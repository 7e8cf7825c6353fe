import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colorizeImageFile } from '@revive/colorizer';
import { writePngFile } from '@revive/image-io';
import type { ModelRuntime } from '@revive/model-runtime';
import { damagePrint, repairImageFile, seededRandom } from '@revive/repairer';
import { benchImage, timeIt } from './sr-bench.ts';

export interface RepairBenchRow {
  readonly stage: string;
  /** Input megapixels per second, file to file, as the stage runs it. */
  readonly mps: number;
  readonly runs: number;
}

/**
 * Repair against colorize on the same damaged photo-like image, each file to file the way its
 * stage runs it (decode, model, encode), in the same run: the figure that matters is the ratio.
 */
export async function benchRepair(runtime: ModelRuntime, width: number, height: number, minSeconds: number): Promise<RepairBenchRow[]> {
  const work = await mkdtemp(join(tmpdir(), 'revive-bench-repair-'));
  try {
    const print = damagePrint(benchImage(width, height), width, height, seededRandom(7), { tone: 'sepia', severity: 1 });
    const input = join(work, 'damaged.png');
    await writePngFile(input, print.damaged, width, height, 3);
    const megapixels = (width * height) / 1e6;
    const repair = await timeIt(async () => {
      await repairImageFile(runtime, {
        inputPath: input,
        outputPath: join(work, 'repaired.png'),
        mode: 'on',
        maxInputPixels: 1e9,
        tmpDir: work,
      });
    }, minSeconds);
    const colorize = await timeIt(async () => {
      await colorizeImageFile(runtime, {
        inputPath: input,
        outputPath: join(work, 'colorized.png'),
        mode: 'on',
        maxInputPixels: 1e9,
        tmpDir: work,
      });
    }, minSeconds);
    return [
      { stage: 'repair', mps: megapixels / repair.seconds, runs: repair.runs },
      { stage: 'colorize', mps: megapixels / colorize.seconds, runs: colorize.runs },
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
