import { basename } from 'node:path';
import { parseCli, USAGE, type Command } from './cli-args.ts';
import { enhanceFile } from './enhance.ts';
import { errorJson, exitCodeFor, ExitCodes, formatError, formatMediaFailure } from './errors.ts';
import { fetchMedia } from './graphql-http.ts';
import { trustLocalCa } from './local-ca.ts';
import { withLocalToken } from './local-token.ts';
import type { Media } from './media.ts';
import { renderMedia } from './progress-view.ts';
import { resolveResultUrl } from './result-file.ts';
import { createLineProgress, createTtyProgress, silentProgress, type ProgressSink } from './terminal-progress.ts';

/** The process's streams and environment, passed in so `main` never reaches for globals. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** 128 + SIGINT, the shell's convention for "interrupted". */
const INTERRUPTED = 130;

/** Runs one command line and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCli(argv, io.env);
    if (command.kind !== 'help') {
      command = { ...command, connection: await withLocalToken(command.connection, io.env) };
      await trustLocalCa(command.connection.url, io.env);
    }
  } catch (err) {
    printError(io, 'revive', err);
    return exitCodeFor(err);
  }
  switch (command.kind) {
    case 'help':
      io.stdout.write(`${USAGE}\n`);
      return ExitCodes.ok;
    case 'status':
      return status(command, io);
    case 'enhance':
      return enhance(command, io);
  }
}

/** One file's line in the `--json` document. */
interface FileReport {
  file: string;
  id: string | null;
  status: Media['status'] | null;
  stages: Media['stages'];
  resultPath: string | null;
  error: { code: string; message: string } | null;
}

async function enhance(command: Extract<Command, { kind: 'enhance' }>, io: CliIo): Promise<number> {
  const reports: FileReport[] = [];
  let exitCode: number = ExitCodes.ok;
  // One file at a time: the pipeline parallelises inside each item, and one live block on the
  // terminal at a time stays readable.
  for (const file of command.files) {
    const label = basename(file);
    const sink = progressSink(command.json, io, label);
    // The latest state seen, so an error after the upload still reports which item it was.
    const seen = { last: null as Media | null };
    try {
      const { media, resultPath } = await enhanceFile(file, command.options, {
        url: command.connection.url,
        token: command.connection.token,
        outDir: command.outDir,
        onProgress: (update) => {
          seen.last = update.media;
          sink.update(update);
        },
        signal: io.signal,
      });
      sink.finish();
      reports.push(report(file, media, resultPath, media.error));
      if (media.status === 'COMPLETED') {
        // The result path is the one thing on stdout, so `revive enhance x.jpg | xargs open` works.
        if (!command.json) io.stdout.write(`${resultPath}\n`);
      } else {
        if (!command.json) io.stderr.write(`${label}: ${formatMediaFailure(media.error)}\n`);
        exitCode = Math.max(exitCode, ExitCodes.failed);
      }
    } catch (err) {
      sink.finish();
      if (io.signal.aborted) {
        // Stopping the client does not stop the pipeline: say how to find the item again.
        if (seen.last) io.stderr.write(`${label}: interrupted; the server keeps working on it: revive status ${seen.last.id}\n`);
        return INTERRUPTED;
      }
      if (!command.json) printError(io, label, err);
      reports.push(report(file, seen.last, null, errorJson(err)));
      exitCode = Math.max(exitCode, exitCodeFor(err));
    }
  }
  if (command.json) {
    const document = reports.length === 1 ? reports[0] : reports;
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
  return exitCode;
}

async function status(command: Extract<Command, { kind: 'status' }>, io: CliIo): Promise<number> {
  let media: Media | null;
  try {
    media = await fetchMedia(command.connection, command.id, io.signal);
  } catch (err) {
    if (io.signal.aborted) return INTERRUPTED;
    if (command.json) io.stdout.write(`${JSON.stringify({ id: command.id, error: errorJson(err) }, null, 2)}\n`);
    else printError(io, command.id, err);
    return exitCodeFor(err);
  }
  if (!media) {
    const error = { code: 'NOT_FOUND', message: `no media with id ${command.id}` };
    if (command.json) io.stdout.write(`${JSON.stringify({ id: command.id, error }, null, 2)}\n`);
    else io.stderr.write(`${command.id}: ${error.code}: ${error.message}\n`);
    return ExitCodes.failed;
  }
  if (command.json) {
    io.stdout.write(`${JSON.stringify(media, null, 2)}\n`);
    return ExitCodes.ok;
  }
  const lines = renderMedia(media, media.filename, 20);
  if (media.resultUrl) lines.push(`result: ${resolveResultUrl(media.resultUrl, command.connection.url).href}`);
  if (media.error) lines.push(`error: ${formatMediaFailure(media.error)}`);
  if (media.traceId) lines.push(`trace: ${media.traceId}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return ExitCodes.ok;
}

function progressSink(json: boolean, io: CliIo, label: string): ProgressSink {
  if (json) return silentProgress;
  return io.stderr.isTTY ? createTtyProgress(io.stderr, label) : createLineProgress(io.stderr, label);
}

function report(file: string, media: Media | null, resultPath: string | null, error: FileReport['error']): FileReport {
  return {
    file,
    id: media?.id ?? null,
    status: media?.status ?? null,
    stages: media?.stages ?? [],
    resultPath,
    error: error ? { code: error.code, message: error.message } : null,
  };
}

function printError(io: CliIo, label: string, err: unknown): void {
  for (const line of formatError(err)) io.stderr.write(`${label}: ${line}\n`);
}
