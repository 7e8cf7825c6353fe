import { execFile } from 'node:child_process';
import type { FailureCode } from '@revive/contracts';

/** Where ffprobe and ffmpeg are, and how long one short call (a probe, one frame) may take before it counts as hung. */
export interface MediaTools {
  readonly ffprobePath: string;
  readonly ffmpegPath: string;
  readonly timeoutMs: number;
}

export const defaultMediaTools: MediaTools = { ffprobePath: 'ffprobe', ffmpegPath: 'ffmpeg', timeoutMs: 60_000 };

/** ffmpeg/ffprobe is not installed where this replica runs: the operator's problem, not the upload's. */
export class ToolUnavailableError extends Error {
  override readonly name = 'ToolUnavailableError';
  readonly retryable = false;
  readonly code = 'FFMPEG_UNAVAILABLE' satisfies FailureCode;
}

/** The tool ran and refused its input: the content is not something it can read. */
export class ToolRejectedError extends Error {
  override readonly name = 'ToolRejectedError';
  readonly retryable = false;
}

/** The tool did not finish in time; the machine may just be busy, so this is worth another try. */
export class ToolTimeoutError extends Error {
  override readonly name = 'ToolTimeoutError';
  readonly retryable = true;
}

/** The last lines ffmpeg wrote, with our temp paths replaced: these messages can reach clients. */
export function tidyStderr(stderr: string, paths: readonly string[]): string {
  let text = stderr;
  for (const p of paths) text = text.replaceAll(p, 'input');
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** Runs a short tool call on `input` and returns its stdout; errors say what went wrong in the caller's terms. */
export function runTool(path: string, args: readonly string[], input: string, timeoutMs: number, maxBuffer: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { encoding: 'buffer', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const { code, killed } = error as NodeJS.ErrnoException & { killed?: boolean };
      if (code === 'ENOENT') return reject(new ToolUnavailableError(`${path} is not installed (needed to read videos)`, { cause: error }));
      if (killed) return reject(new ToolTimeoutError(`${path} took longer than ${timeoutMs} ms`, { cause: error }));
      const said = tidyStderr(stderr.toString('utf8'), [input]);
      reject(new ToolRejectedError(said || `${path} exited with status ${String(code)}`, { cause: error }));
    });
  });
}
