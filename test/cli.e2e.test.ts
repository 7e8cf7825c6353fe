import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { repoRoot } from '@revive/config';
import { freePort, type LocalStack } from '@revive/local-services';
import { REPAIR_NOT_ASKED } from '@revive/repair';
import { chromaOf } from './support/chroma.ts';
import { apiStage, expectedStages } from './support/stages.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const revive = resolve(repoRoot, 'services/cli/bin/revive.mjs');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `revive` command as a user would (a separate Node process) and collects what it printed. */
function runCli(args: readonly string[], options: { cwd?: string } = {}): Promise<CliRun> {
  // The CLI must be told its gateway and token by its arguments alone, not by whatever this shell exports.
  const { REVIVE_URL: _url, REVIVE_TOKEN: _token, REVIVE_STATE_DIR: _state, ...env } = process.env;
  return new Promise((done, fail) => {
    const child = execFile(
      process.execPath,
      [revive, ...args],
      { cwd: options.cwd ?? repoRoot, env, timeout: 180_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number')
          return fail(new Error(`revive ${args.join(' ')} did not exit normally: ${error.message}\n${stderr}`));
        done({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}

/** One file's entry in `revive enhance --json`. */
interface FileReport {
  file: string;
  id: string | null;
  status: string | null;
  stages: Array<{ stage: string; status: string; note: string | null }>;
  resultPath: string | null;
  error: { code: string; message: string } | null;
}

describe('revive CLI end to end: the real command against the real stack (nats-server, PostgreSQL, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let outDir: string;
  /** The CLI as the stack's user runs it: with --token. */
  const cli = (args: readonly string[]) => runCli([...args, '--token', stack.token]);
  let enhancedId: string;
  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'revive-cli-out-'));
    system = await startTestStack('cli', {
      env: {
        REVIVE_ACK_WAIT_SECONDS: '5',
      },
    });
    ({ stack, stateDir } = system);
  });
  after(async () => {
    await system?.stop();
    await rm(outDir, { recursive: true, force: true });
  });

  it('enhances a grey photo: exit 0, a COMPLETED JSON report, and a coloured result twice the size in --out', async () => {
    const run = await cli(['enhance', greyPhoto, '--out', outDir, '--scale', '2', '--repair', 'off', '--json', '--url', stack.graphqlUrl]);
    assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const report = JSON.parse(run.stdout) as FileReport;
    assert.equal(report.status, 'COMPLETED');
    assert.equal(report.error, null);
    assert.match(report.id ?? '', /^[0-9a-f-]{36}$/);
    enhancedId = report.id!;
    assert.deepEqual(
      report.stages.map((s) => `${s.stage}:${s.status}`),
      expectedStages('image', 'DONE', { repair: 'SKIPPED' }),
    );
    assert.equal(report.stages.find((s) => s.stage === apiStage('repair'))?.note, REPAIR_NOT_ASKED, '--repair off reached the server');
    assert.equal(resolve(report.resultPath!), join(outDir, 'brooklyn-bridge-1880s-grey-160.revive.png'));
    assert.deepEqual(
      await readdir(outDir),
      ['brooklyn-bridge-1880s-grey-160.revive.png'],
      'only the result, no partial download left behind',
    );

    const result = new Uint8Array(await readFile(report.resultPath!));
    const [input, output] = [await sharp(greyPhoto).metadata(), await sharp(result).metadata()];
    assert.deepEqual([output.width, output.height], [input.width! * 2, input.height! * 2]);
    assert.ok((await chromaOf(result)) > 2, 'the result has colour');
  });

  it('reports a text file the server refuses: non-zero exit, the server code on stderr and in the JSON', async () => {
    const notes = join(stateDir, 'notes.jpg');
    await writeFile(notes, 'this is not a picture, whatever its name says');

    const plain = await cli(['enhance', notes, '--out', outDir, '--url', stack.graphqlUrl]);
    assert.equal(plain.code, 1, plain.stderr);
    assert.equal(plain.stdout, '', 'no result path printed');
    assert.match(plain.stderr, /notes\.jpg: UNSUPPORTED_MEDIA: the file is neither an image nor a video/);

    const json = await cli(['enhance', notes, '--out', outDir, '--json', '--url', stack.graphqlUrl]);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as FileReport;
    assert.deepEqual([report.id, report.status, report.resultPath], [null, null, null]);
    assert.equal(report.error?.code, 'UNSUPPORTED_MEDIA');
    assert.match(report.error?.message ?? '', /neither an image nor a video/);
  });

  it('without a token the gateway refuses (UNAUTHENTICATED); on loopback it uses .revive/owner-token when present', async () => {
    const anonymous = await runCli(['status', enhancedId, '--json', '--url', stack.graphqlUrl], { cwd: outDir });
    assert.notEqual(anonymous.code, 0, anonymous.stdout);
    assert.match(anonymous.stdout + anonymous.stderr, /UNAUTHENTICATED/);

    const home = await mkdtemp(join(tmpdir(), 'revive-cli-home-'));
    try {
      await mkdir(join(home, '.revive'));
      await writeFile(join(home, '.revive', 'owner-token'), `${stack.token}\n`, { mode: 0o600 });
      const owner = await runCli(['status', enhancedId, '--json', '--url', stack.graphqlUrl], { cwd: home });
      assert.equal(owner.code, 0, `stdout:\n${owner.stdout}\nstderr:\n${owner.stderr}`);
      assert.match(owner.stdout, /COMPLETED/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('exits 2 when the gateway cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    const plain = await runCli(['enhance', greyPhoto, '--out', outDir, '--url', url]);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /network error: cannot reach .*ECONNREFUSED/);

    const json = await runCli(['enhance', greyPhoto, '--out', outDir, '--json', '--url', url]);
    assert.equal(json.code, 2, json.stderr);
    assert.equal((JSON.parse(json.stdout) as FileReport).error?.code, 'NETWORK_ERROR');
  });
});
