import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EnhanceOptions } from '@revive/contracts';
import {
  defaultMediaTools,
  probeVideo,
  videoLimitProblems,
  type MediaTools,
  type VideoLimitProblem,
  type VideoLimitSettings,
} from '@revive/video-io';

/** A video upload on local disk, probed: the limits it breaks, and its bytes to store. */
export interface SpooledVideo {
  readonly problems: readonly VideoLimitProblem[];
  /** The upload's bytes, read back from the spool. */
  readonly body: Readable;
  dispose(): Promise<void>;
}

/**
 * Spools a video upload to a temporary file and probes it (headers only, no decoding), so the
 * client hears at once that its video is too long, or too large or too fast for the options it
 * chose, before anything is stored or recorded. A container keeps its index anywhere (MP4 often
 * at the end), hence the file rather than the stream's first bytes. A file ffprobe cannot read
 * passes: preprocess decodes it and gives the precise answer.
 */
export async function spoolAndCheckVideo(
  body: Readable,
  options: EnhanceOptions,
  limits: VideoLimitSettings,
  tools: MediaTools = defaultMediaTools,
): Promise<SpooledVideo> {
  const dir = await mkdtemp(join(tmpdir(), 'revive-upload-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'upload');
    await pipeline(body, createWriteStream(path));
    const probe = await probeVideo({ ...tools, timeoutMs: Math.min(tools.timeoutMs, 15_000) }, path, { frameTimes: false }).catch(
      () => undefined,
    );
    const problems = probe?.kind === 'video' ? videoLimitProblems(probe, options, limits) : [];
    return { problems, body: createReadStream(path), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
