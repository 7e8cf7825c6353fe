import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { upscalerjsCatalogue } from '@revive/model-convert';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import { markdownTable } from '@revive/eval';
import { startNatsCluster, startNatsServer } from '@revive/local-services';
import { benchPipeline, benchPipelineBuses, median, type BusSettings } from './pipeline-bench.ts';
import { benchInstalledSuperResolution, benchSuperResolution } from './sr-bench.ts';
import { benchVideo } from './video-bench.ts';
import { benchRepair } from './repair-bench.ts';
import { benchPageWeight, type PageLoad } from './page-weight-bench.ts';
import { DEFAULT_SUPERRES_MODELS } from '@revive/superres';

const USAGE = `usage: npm run bench -- sr [--size PIXELS] [--seconds S] [--models id,id]
       npm run bench -- sr-models [--size PIXELS] [--seconds S] [--models id,id]
       npm run bench -- pipeline [--items N] [--size PIXELS] [--cluster]
       npm run bench -- video [--seconds S] [--chunk-seconds S]
       npm run bench -- repair [--size WxH] [--seconds S]
       npm run bench -- page-weight [--items N]

sr:       output megapixels per second of each ESRGAN model through Revive's runtime
          (onnxruntime-node, tiled) and, in the same run, the same weights in TF.js (wasm).
sr-models: output megapixels per second of every installed super-resolution model (Revive's
          own and the converted ESRGAN ones) through the runtime, each as a ratio to
          esrgan-thick at its scale measured in the same run.
pipeline: median per-hop latency and items/s of the JetStream choreography (real nats-server,
          the real stage handlers behind their consumer loops) against calling the same
          handlers one after another in-process, measured in the same run.
          --cluster: items/s and median hop of the same choreography on a three-server
          JetStream cluster (loopback, stream at three replicas) with 1, 2 and 4 consumer loops
          per stage, against one server (stream at one replica) in the same run.
video:    frames per second restoring a 640x360 clip (colorize, x2, twice the frame rate) through
          the real stage handlers, chunk after chunk, beside the plain ffmpeg pipeline (scale +
          minterpolate, same encoder) on the same clip in the same run. Uses the first seconds
          of ../shared/data/video/chaplin.mp4, or a synthetic clip without it; keeps both results
          in bench-out/video.
repair:   input megapixels per second of the repair stage's engine (detect + fill, file to file)
          on a damaged 1600x1200 photo-like image, against the colorize stage's engine on the
          same file in the same run.
page-weight: bytes transferred and time until the web page has settled, loading a library of
          N (50) finished 1600x1000 photos in Chromium with an empty cache (the first page of
          cards, then every item shown and scrolled through), against the page before previews
          (git 347071c: full-size results on cards) on the same library in the same run.`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      size: { type: 'string', default: '192' },
      seconds: { type: 'string', default: '3' },
      models: { type: 'string' },
      items: { type: 'string', default: '40' },
      'chunk-seconds': { type: 'string', default: '1' },
      cluster: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals[0] === 'pipeline' && values.cluster && !values.help)
    return pipelineCluster(Number(values.items === '40' ? 200 : values.items), Number(values.size === '192' ? 64 : values.size));
  if (positionals[0] === 'pipeline' && !values.help)
    return pipeline(Number(values.items), Number(values.size === '192' ? 64 : values.size));
  // --seconds is the sr bench's measuring time (3 s by default); for video it is the clip's length, 2 s unless given.
  if (positionals[0] === 'video' && !values.help)
    return video(Number(values.seconds === '3' ? 2 : values.seconds), Number(values['chunk-seconds']));
  if (positionals[0] === 'page-weight' && !values.help) return pageWeight(Number(values.items === '40' ? 50 : values.items));
  if (positionals[0] === 'repair' && !values.help) return repair(values.size === '192' ? '1600x1200' : values.size, Number(values.seconds));
  if (positionals[0] === 'sr-models' && !values.help)
    return srModels(
      Number(values.size),
      Number(values.seconds),
      values.models?.split(',').map((s) => s.trim()),
    );
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
  console.log(
    `bench sr: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; runtime ${config.threads} intra-op threads; TF.js ${tfjs}`,
  );
  try {
    const rows = await benchSuperResolution({
      runtime,
      oneThreadRuntime,
      models,
      size,
      minSeconds,
      onRow: (r) =>
        console.log(
          `  ${r.model}: runtime ${r.runtimeMps.toFixed(3)} MP/s (1 thread ${r.runtimeOneThreadMps.toFixed(3)}), tfjs-wasm ${r.tfjsMps.toFixed(3)} MP/s`,
        ),
    });
    console.log(
      `\n${markdownTable(
        [
          'model',
          'input',
          `runtime MP/s (${config.threads} threads)`,
          'runtime MP/s (1 thread)',
          'TF.js wasm MP/s',
          'ratio',
          'ratio, 1 thread each',
        ],
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
    console.log(
      '\nMP/s counts output megapixels. The runtime tiles (128 px, overlap per model) and blends; TF.js predicts the whole image at once, which favours it.',
    );
  } finally {
    await runtime.close();
    await oneThreadRuntime.close();
  }
}

async function srModels(size: number, minSeconds: number, modelIds: string[] | undefined): Promise<void> {
  const config = loadInferenceConfig();
  const runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  console.log(
    `bench sr-models: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; runtime ${config.threads} intra-op threads; ${size}x${size} input`,
  );
  try {
    const rows = await benchInstalledSuperResolution({
      runtime,
      size,
      minSeconds,
      modelIds,
      baseline: (scale) => `esrgan-thick-x${scale}`,
      onRow: (r) => console.log(`  ${r.model}: ${r.mps.toFixed(3)} MP/s`),
    });
    console.log(
      `\n${markdownTable(
        ['scale', 'model', 'output MP/s', 'vs esrgan-thick'],
        rows.map((r) => [`x${r.scale}`, r.model, r.mps.toFixed(3), r.speedup === undefined ? 'n/a' : `${r.speedup.toFixed(1)}x`]),
      )}`,
    );
  } finally {
    await runtime.close();
  }
}

async function pipeline(items: number, side: number): Promise<void> {
  const nats = await startNatsServer();
  console.log(
    `bench pipeline: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ${items} items of ${side}x${side} px (scale 1, colorize and repair off: the handlers' own work is small, so the hop cost shows)`,
  );
  try {
    const r = await benchPipeline({ natsUrl: nats.url, items, side });
    const rows = r.hops.map((hop, i) => {
      const direct = median(r.inProcess.hopMs[i]!);
      const choreo = median(r.choreography.hopMs[i]!);
      return [hop, direct.toFixed(2), choreo.toFixed(2), `${(choreo / direct).toFixed(2)}x`, (choreo - direct).toFixed(2)];
    });
    console.log(`\n${markdownTable(['hop', 'in-process median ms', 'JetStream median ms', 'ratio', 'added ms'], rows)}`);
    console.log(
      `\n${markdownTable(
        ['run', 'items/s'],
        [
          ['in-process, one after another', r.inProcess.itemsPerSecond.toFixed(1)],
          ['JetStream choreography, all in flight', r.choreography.itemsPerSecond.toFixed(1)],
          ['ratio', `${(r.choreography.itemsPerSecond / r.inProcess.itemsPerSecond).toFixed(2)}x`],
        ],
      )}`,
    );
    console.log(
      '\nJetStream hop = stream timestamp of the output event minus that of the input event (consume, validate, handle, publish, ack).',
    );
  } finally {
    await nats.stop();
  }
}

/** Replicas per stage the cluster bench runs, each against the single-server figure. */
const CLUSTER_REPLICAS = [1, 2, 4];

async function pipelineCluster(items: number, side: number): Promise<void> {
  console.log(
    `bench pipeline --cluster: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ${items} items of ${side}x${side} px through the image hops (pass-through options)`,
  );
  let syncAlways = false;
  const single = async (): Promise<BusSettings & { close(): Promise<void> }> => {
    const server = await startNatsServer();
    syncAlways = server.syncAlways;
    return { natsUrl: server.url, close: () => server.stop() };
  };
  const clustered = (replicasPerStage: number) => async (): Promise<BusSettings & { close(): Promise<void> }> => {
    const cluster = await startNatsCluster();
    return { natsUrl: cluster.url, streamReplicas: 3, replicasPerStage, close: () => cluster.stop() };
  };
  const runs = await benchPipelineBuses({
    items,
    side,
    buses: [
      { label: 'one server, R1, 1 replica per stage', bus: single },
      ...CLUSTER_REPLICAS.map((n) => ({ label: `3-node cluster, R3, ${n} replica${n > 1 ? 's' : ''} per stage`, bus: clustered(n) })),
    ],
    onRun: ({ label, run }) => console.log(`  ${label}: ${run.itemsPerSecond.toFixed(1)} items/s`),
  });
  const base = runs[0]!.run;
  const hopMedian = (hopMs: readonly number[][]) => median(hopMs.flat());
  console.log(
    `\n${markdownTable(
      ['bus', 'items/s', 'vs one server', 'median hop ms', 'added per hop ms'],
      runs.map(({ label, run }) => [
        label,
        run.itemsPerSecond.toFixed(1),
        `${(run.itemsPerSecond / base.itemsPerSecond).toFixed(2)}x`,
        hopMedian(run.hopMs).toFixed(2),
        (hopMedian(run.hopMs) - hopMedian(base.hopMs)).toFixed(2),
      ]),
    )}`,
  );
  console.log(
    `\nnats-server ${syncAlways ? 'fsyncs every write (sync_interval: always)' : '2.9 here: no per-write fsync (see startNatsServer)'}. All in one process on this machine: replicas add consumers and connections, not CPUs. A hop on R3 waits for a majority (leader + one follower) to store the event before the publish is acknowledged.`,
  );
}

async function video(seconds: number, chunkSeconds: number): Promise<void> {
  const config = loadInferenceConfig();
  const source = resolve(repoRoot, '../shared/data/video/chaplin.mp4');
  console.log(
    `bench video: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; runtime ${config.threads} intra-op threads; repair off, colorize on, scale 2 (${DEFAULT_SUPERRES_MODELS[2]}), frame-rate factor 2 (minterpolate), ${chunkSeconds} s chunks`,
  );
  const r = await benchVideo({ seconds, chunkSeconds, source, outDir: resolve(repoRoot, 'bench-out/video') });
  const fps = (taken: number) => (r.sourceFrames / taken).toFixed(2);
  console.log(`clip: ${r.clip}: ${r.sourceFrames} frames in, ${r.outputFrames} out (1280x720), ${r.chunks} chunks`);
  console.log(
    `\n${markdownTable(
      ['stage', 'seconds', 'source frames/s'],
      Object.entries(r.stageSeconds).map(([stage, s]) => [stage, s.toFixed(2), fps(s)]),
    )}`,
  );
  console.log(
    `\n${markdownTable(
      ['run', 'seconds', 'source frames/s', 'output frames/s'],
      [
        [
          'Revive stage handlers, end to end',
          r.reviveSeconds.toFixed(2),
          fps(r.reviveSeconds),
          (r.outputFrames / r.reviveSeconds).toFixed(2),
        ],
        [
          'plain ffmpeg: scale=iw*2:ih*2:flags=lanczos,minterpolate',
          r.ffmpegSeconds.toFixed(2),
          fps(r.ffmpegSeconds),
          (r.outputFrames / r.ffmpegSeconds).toFixed(2),
        ],
        ['ratio (Revive time / ffmpeg time)', `${(r.reviveSeconds / r.ffmpegSeconds).toFixed(1)}x`, '', ''],
      ],
    )}`,
  );
  console.log(
    '\nRevive also colorizes and super-resolves with models; ffmpeg only resamples. Chunks run one after another here; the services run them in parallel on as many replicas as there are.',
  );
}

async function repair(size: string, minSeconds: number): Promise<void> {
  const [width, height] = size.split('x').map(Number);
  if (!width || !height) throw new Error(`--size takes WxH for the repair bench, got "${size}"`);
  const config = loadInferenceConfig();
  const runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  console.log(
    `bench repair: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ${config.threads} intra-op threads; ${width}x${height}`,
  );
  try {
    const rows = await benchRepair(runtime, width, height, minSeconds);
    const colorize = rows.find((r) => r.stage === 'colorize')!.mps;
    console.log(
      markdownTable(
        ['stage', 'input MP/s', 'runs', 'vs colorize'],
        rows.map((r) => [r.stage, r.mps.toFixed(3), String(r.runs), `${(r.mps / colorize).toFixed(2)}x`]),
      ),
    );
  } finally {
    await runtime.close();
  }
}

/** What the TF.js wasm backend can use here: Node gets the SIMD build, single-threaded. */
async function pageWeight(items: number): Promise<void> {
  console.log(
    `bench page-weight: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ${items} finished photos, Chromium, empty cache`,
  );
  const r = await benchPageWeight(items);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const row = (what: string, load: PageLoad, base: PageLoad | undefined) => [
    what,
    mb(load.bytes),
    String(load.requests),
    s(load.cardsMs),
    s(load.quietMs),
    base ? `${(load.bytes / base.bytes).toFixed(3)}x` : '-',
    base ? `${(load.quietMs / base.quietMs).toFixed(2)}x` : '-',
  ];
  const rows = [
    row('this page: first view', r.current.first, r.baseline?.first),
    row('this page: all items, scrolled', r.current.all, r.baseline?.all),
  ];
  if (r.baseline)
    rows.push(
      row('before previews: first view', r.baseline.first, undefined),
      row('before previews: all items, scrolled', r.baseline.all, undefined),
    );
  console.log(
    `\n${markdownTable(['load', 'MB', 'requests', 'cards drawn s', 'network quiet s', 'bytes vs before', 'quiet vs before'], rows)}`,
  );
  const first = r.current.first;
  console.log(
    `\ntarget (first view): under 3 MB and settled under 2 s: ${mb(first.bytes)} MB, ${s(first.quietMs)} s: ${first.bytes < 3e6 && first.quietMs < 2000 ? 'met' : 'NOT met'}`,
  );
}

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
