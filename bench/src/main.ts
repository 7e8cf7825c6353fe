import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadInferenceConfig } from '@revive/config';
import { upscalerjsCatalogue } from '@revive/model-convert';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import { markdownTable } from '@revive/eval';
import { benchSuperResolution } from './sr-bench.ts';

const USAGE = `usage: npm run bench -- sr [--size PIXELS] [--seconds S] [--models id,id]

Measures output megapixels per second of each ESRGAN model through Revive's runtime
(onnxruntime-node, tiled) and, in the same run, the same weights in TF.js (wasm backend).`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      size: { type: 'string', default: '192' },
      seconds: { type: 'string', default: '3' },
      models: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'sr') {
    console.log(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const size = Number(values.size);
  const minSeconds = Number(values.seconds);
  const wanted = values.models?.split(',').map((s) => s.trim());
  const models = upscalerjsCatalogue().filter((m) => !wanted || wanted.includes(m.id));

  const config = loadInferenceConfig();
  const registry = createModelRegistry(config.modelDirs);
  const runtime = createModelRuntime({ registry, threads: config.threads });
  const oneThreadRuntime = createModelRuntime({ registry, threads: 1 });
  const tfjs = await tfjsWasmInfo();
  console.log(`bench sr: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; runtime ${config.threads} intra-op threads; TF.js ${tfjs}`);
  try {
    const rows = await benchSuperResolution({
      runtime,
      oneThreadRuntime,
      models,
      size,
      minSeconds,
      onRow: (r) => console.log(`  ${r.model}: runtime ${r.runtimeMps.toFixed(3)} MP/s (1 thread ${r.runtimeOneThreadMps.toFixed(3)}), tfjs-wasm ${r.tfjsMps.toFixed(3)} MP/s`),
    });
    console.log(
      `\n${markdownTable(
        ['model', 'input', `runtime MP/s (${config.threads} threads)`, 'runtime MP/s (1 thread)', 'TF.js wasm MP/s', 'ratio', 'ratio, 1 thread each'],
        rows.map((r) => [
          r.model,
          r.input,
          r.runtimeMps.toFixed(3),
          r.runtimeOneThreadMps.toFixed(3),
          r.tfjsMps.toFixed(3),
          `${(r.runtimeMps / r.tfjsMps).toFixed(2)}x`,
          `${(r.runtimeOneThreadMps / r.tfjsMps).toFixed(2)}x`,
        ]),
      )}`,
    );
    console.log('\nMP/s counts output megapixels. The runtime tiles (128 px, overlap per model) and blends; TF.js predicts the whole image at once, which favours it.');
  } finally {
    await runtime.close();
    await oneThreadRuntime.close();
  }
}

/** What the TF.js wasm backend can use here: Node gets the SIMD build, single-threaded. */
async function tfjsWasmInfo(): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `wasm backend (SIMD ${simd ? 'on' : 'off'}, ${threads ? 'multi-threaded' : 'one thread'})`;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
});
