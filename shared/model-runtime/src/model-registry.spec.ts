import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadInferenceConfig } from '@revive/config';
import { ModelNotFoundError, ModelRejectedError } from './errors.ts';
import { createModelRegistry } from './model-registry.ts';
import { createModelRuntime } from './model-runtime.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('model registry and contract checks', () => {
  let root: string;
  let onnx: Buffer;
  let manifest: Record<string, unknown> & { inputs: Record<string, unknown>[] };

  before(async () => {
    const builtIn = loadInferenceConfig({}).modelDirs[0]!;
    onnx = await readFile(join(builtIn, 'esrgan-slim-x2.onnx'));
    manifest = JSON.parse(await readFile(join(builtIn, 'esrgan-slim-x2.manifest.json'), 'utf8'));
    root = await mkdtemp(join(tmpdir(), 'revive-registry-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  /** Installs one model (file + manifest) the way an operator would, into a fresh directory. */
  async function install(name: string, bytes: Uint8Array, m: object | string): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    const id = typeof m === 'string' ? 'custom' : ((m as { id: string }).id ?? 'custom');
    await writeFile(join(dir, `${id}.onnx`), bytes);
    await writeFile(join(dir, `${id}.manifest.json`), typeof m === 'string' ? m : JSON.stringify(m));
    return dir;
  }
  const custom = (overrides: object = {}) => ({ ...manifest, id: 'custom', file: 'custom.onnx', sha256: sha256(onnx), ...overrides });

  it('lists an operator-installed model and runs it', async () => {
    const dir = await install('ok', onnx, custom());
    const registry = createModelRegistry([dir]);
    const listed = await registry.list();
    assert.deepEqual(
      listed.map((m) => [m.id, m.status]),
      [['custom', 'ok']],
    );
    assert.deepEqual(
      (await registry.find('superres', 2)).map((m) => m.id),
      ['custom'],
    );
    assert.deepEqual(await registry.find('colorize'), []);
    const runtime = createModelRuntime({ registry, threads: 1 });
    const model = await runtime.load('custom');
    assert.deepEqual(model.session.inputNames, ['input']);
    assert.equal(await runtime.load('custom'), model, 'sessions are cached');
    await runtime.close();
  });

  it('refuses a file whose hash does not match its manifest', async () => {
    const corrupt = Buffer.from(onnx);
    corrupt[corrupt.length >> 1]! ^= 0xff;
    const dir = await install('hash', corrupt, custom());
    await assert.rejects(createModelRegistry([dir]).get('custom'), (e: unknown) => {
      assert.ok(e instanceof ModelRejectedError);
      assert.match(e.message, /sha256 of custom\.onnx is [0-9a-f]{64}, the manifest says [0-9a-f]{64}: the file is corrupt/);
      return true;
    });
  });

  it('refuses manifests that are not JSON or break the schema, and says what is wrong', async () => {
    const notJson = await install('json', onnx, '{ "id": "custom", ');
    await assert.rejects(createModelRegistry([notJson]).get('custom'), /manifest is not valid JSON/);
    const badTask = await install('task', onnx, custom({ task: 'sharpen', scale: 0 }));
    const [entry] = await createModelRegistry([badTask]).list();
    assert.equal(entry?.status, 'rejected');
    assert.match(entry?.status === 'rejected' ? entry.problems.join('\n') : '', /task/);
    assert.match(entry?.status === 'rejected' ? entry.problems.join('\n') : '', /scale/);
  });

  it('refuses a manifest whose model file is missing', async () => {
    const dir = await install('missing', onnx, custom({ file: 'elsewhere.onnx' }));
    await assert.rejects(createModelRegistry([dir]).get('custom'), /model file .*elsewhere\.onnx is missing/);
  });

  it('refuses a graph whose inputs and outputs break the manifest contract', async () => {
    const inputs = [{ ...manifest.inputs[0], name: 'image', channels: 1 }];
    const dir = await install('contract', onnx, custom({ inputs }));
    const runtime = createModelRuntime({ registry: createModelRegistry([dir]), threads: 1 });
    await assert.rejects(runtime.load('custom'), (e: unknown) => {
      assert.ok(e instanceof ModelRejectedError);
      assert.match(e.message, /manifest input "image" is not in the graph \(graph inputs: input\)/);
      assert.match(e.message, /graph input "input" is not declared in the manifest/);
      return true;
    });
    const wrongChannels = await install('channels', onnx, custom({ inputs: [{ ...manifest.inputs[0], channels: 1 }] }));
    const runtime2 = createModelRuntime({ registry: createModelRegistry([wrongChannels]), threads: 1 });
    await assert.rejects(runtime2.load('custom'), /input "input" has 3 channels in NCHW, the manifest says 1/);
  });

  it('refuses a truncated ONNX file even when its manifest hash matches it', async () => {
    const truncated = onnx.subarray(0, onnx.length >> 1);
    const dir = await install('truncated', truncated, custom({ sha256: sha256(truncated) }));
    const runtime = createModelRuntime({ registry: createModelRegistry([dir]), threads: 1 });
    await assert.rejects(runtime.load('custom'), /model custom refused: onnxruntime cannot load/);
  });

  it('keeps the first of two models with one id and names what is installed when asked for another', async () => {
    const first = await install('dup-a', onnx, custom());
    const second = await install('dup-b', onnx, custom());
    const registry = createModelRegistry([first, second]);
    const listed = await registry.list();
    assert.deepEqual(
      listed.map((m) => m.status),
      ['ok', 'rejected'],
    );
    assert.equal((await registry.get('custom')).path, join(first, 'custom.onnx'));
    await assert.rejects(registry.get('nope'), (e: unknown) => e instanceof ModelNotFoundError && /installed: custom/.test(e.message));
  });
});
