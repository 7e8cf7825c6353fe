import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRuntime } from '@revive/model-runtime';
import { createFrameRepairer, damagePrint, seededRandom } from '@revive/repairer';
import { openFrameWriter, readFrames, type FrameRate } from '@revive/video-io';

export interface VideoRepairEvalOptions {
  readonly videoPath: string;
  readonly width: number;
  readonly height: number;
  readonly rate: FrameRate;
  readonly frames: number;
  readonly outDir: string;
  readonly runtime: ModelRuntime;
}

/** Per-clip figures: fidelity to the clean clip, and how much the error moves from frame to frame. */
export interface VideoRepairScores {
  readonly psnr: number;
  /**
   * Mean over frames of mean |e(t) − e(t−1)| with e = frame − clean frame (8-bit levels): the
   * part of the frame-to-frame change that is not in the film itself. Random dust scores high on
   * the damaged clip; a repair that fills a line differently each frame would score high too.
   */
  readonly flicker: number;
  /** The same, only on the columns of the persistent line scratch. */
  readonly lineFlicker: number;
}

export interface VideoRepairEvalResult {
  readonly frames: number;
  readonly damaged: VideoRepairScores;
  readonly repaired: VideoRepairScores;
  /** Share of each frame filled, on average. */
  readonly filledFraction: number;
}

/**
 * Film damage on a real clip, repaired frame by frame: each frame gets fresh dust and short
 * scratches, and every frame the same vertical line scratch (the gate's), as old reels have.
 * Writes the damaged and the repaired clip beside the figures.
 */
export async function evaluateVideoRepair(options: VideoRepairEvalOptions): Promise<VideoRepairEvalResult> {
  const { width, height, runtime } = options;
  await mkdir(options.outDir, { recursive: true });
  const repairer = await createFrameRepairer(runtime, { mode: 'on', width, height });
  const lineX = Math.round(width * 0.37);
  const rng = seededRandom(2024);
  const encode = (name: string) =>
    openFrameWriter({
      width,
      height,
      rate: options.rate,
      args: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', '-y', join(options.outDir, name)],
    });
  const writers = { damaged: encode('damaged.mp4'), repaired: encode('repaired.mp4') };
  const totals = { damaged: newTotals(), repaired: newTotals() };
  let previous: { clean: Uint8Array; damaged: Uint8Array; repaired: Uint8Array } | undefined;
  let frames = 0;
  let filled = 0;
  try {
    for await (const frame of readFrames({ input: options.videoPath, width, height, maxFrames: options.frames })) {
      const print = damagePrint(frame, width, height, rng, {
        keepTone: true,
        grain: false,
        kinds: ['dust', 'scratch', 'hair'],
        severity: 0.8,
        lineScratchX: lineX,
      });
      const repaired = await repairer.repair(print.damaged);
      filled += repaired.damagedFraction;
      await writers.damaged.write(print.damaged);
      await writers.repaired.write(repaired.pixels);
      const current = { clean: print.clean, damaged: print.damaged, repaired: repaired.pixels };
      for (const which of ['damaged', 'repaired'] as const)
        accumulate(totals[which], current[which], current.clean, previous?.[which], previous?.clean, width, lineX);
      previous = current;
      frames++;
    }
    await writers.damaged.end();
    await writers.repaired.end();
  } catch (error) {
    await writers.damaged.abort();
    await writers.repaired.abort();
    throw error;
  }
  return {
    frames,
    damaged: scores(totals.damaged, frames),
    repaired: scores(totals.repaired, frames),
    filledFraction: filled / Math.max(1, frames),
  };
}

type Totals = { mse: number; flicker: number; lineFlicker: number; pairs: number };

function newTotals(): Totals {
  return { mse: 0, flicker: 0, lineFlicker: 0, pairs: 0 };
}

function accumulate(
  t: Totals,
  frame: Uint8Array,
  clean: Uint8Array,
  previous: Uint8Array | undefined,
  previousClean: Uint8Array | undefined,
  width: number,
  lineX: number,
): void {
  let se = 0;
  for (let i = 0; i < frame.length; i++) se += (frame[i]! - clean[i]!) ** 2;
  t.mse += se / frame.length;
  if (!previous || !previousClean) return;
  let change = 0;
  let lineChange = 0;
  let lineSamples = 0;
  for (let i = 0; i < frame.length; i++) {
    const d = Math.abs(frame[i]! - clean[i]! - (previous[i]! - previousClean[i]!));
    change += d;
    const x = Math.floor(i / 3) % width;
    if (Math.abs(x - lineX) <= 2) {
      lineChange += d;
      lineSamples++;
    }
  }
  t.flicker += change / frame.length;
  t.lineFlicker += lineChange / lineSamples;
  t.pairs++;
}

function scores(t: Totals, frames: number): VideoRepairScores {
  const mse = t.mse / Math.max(1, frames);
  return {
    psnr: 10 * Math.log10((255 * 255) / mse),
    flicker: t.flicker / Math.max(1, t.pairs),
    lineFlicker: t.lineFlicker / Math.max(1, t.pairs),
  };
}
