import * as ort from 'onnxruntime-node';
import type { ModelManifest, TensorContract } from '@revive/contracts';
import { ModelRejectedError } from './errors.ts';
import type { ModelRegistry } from './model-registry.ts';

/** A model ready to run: its manifest and a live onnxruntime session. */
export interface LoadedModel {
  readonly manifest: ModelManifest;
  readonly session: ort.InferenceSession;
}

export interface ModelRuntime {
  readonly registry: ModelRegistry;
  /** Loads (once) and returns the session for a model id; concurrent callers share one load. */
  load(id: string): Promise<LoadedModel>;
  /** Releases every cached session. */
  close(): Promise<void>;
}

/** A float32 tensor as engines hand it over and get it back: no onnxruntime types outside this package. */
export interface Float32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * Runs a loaded model on named float32 inputs and returns every output as float32. The one
 * place sessions are run for engines (colorizer, learned interpolator); image models go
 * through runTiled instead.
 */
export async function runFloat32(
  model: LoadedModel,
  feeds: Readonly<Record<string, Float32Tensor>>,
): Promise<Record<string, Float32Tensor>> {
  const inputs = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, [...t.dims])]));
  const results = await model.session.run(inputs);
  return Object.fromEntries(
    Object.entries(results).map(([name, t]) => {
      if (t.type !== 'float32') throw new ModelRejectedError(model.manifest.id, [`output "${name}" is ${t.type}, not float32`]);
      return [name, { data: t.data as Float32Array, dims: t.dims }];
    }),
  );
}

export interface ModelRuntimeOptions {
  readonly registry: ModelRegistry;
  /** Intra-op threads per session. */
  readonly threads: number;
}

/** Compares the graph's declared inputs/outputs with the manifest; returns every mismatch. */
export function contractProblems(manifest: ModelManifest, session: ort.InferenceSession): string[] {
  const problems: string[] = [];
  const check = (
    side: 'input' | 'output',
    declared: readonly TensorContract[],
    names: readonly string[],
    meta: readonly ort.InferenceSession.ValueMetadata[] | undefined,
  ) => {
    const declaredNames = declared.map((t) => t.name);
    for (const name of declaredNames.filter((n) => !names.includes(n))) {
      problems.push(`manifest ${side} "${name}" is not in the graph (graph ${side}s: ${names.join(', ')})`);
    }
    for (const name of names.filter((n) => !declaredNames.includes(n))) {
      problems.push(`graph ${side} "${name}" is not declared in the manifest`);
    }
    for (const contract of declared) {
      const m = meta?.find((x) => x.name === contract.name);
      if (!m) continue;
      if (!m.isTensor || m.type !== 'float32') {
        problems.push(`${side} "${contract.name}" is ${m.isTensor ? m.type : 'not a tensor'}, expected float32`);
        continue;
      }
      if (contract.kind !== 'image') continue;
      if (m.shape.length !== 4) {
        problems.push(`${side} "${contract.name}" has rank ${m.shape.length}, an image tensor needs rank 4 (${contract.layout})`);
        continue;
      }
      const channelDim = m.shape[contract.layout === 'NCHW' ? 1 : 3];
      if (contract.channels !== undefined && typeof channelDim === 'number' && channelDim !== contract.channels) {
        problems.push(
          `${side} "${contract.name}" has ${channelDim} channels in ${contract.layout}, the manifest says ${contract.channels}`,
        );
      }
    }
  };
  check('input', manifest.inputs, session.inputNames, session.inputMetadata);
  check('output', manifest.outputs, session.outputNames, session.outputMetadata);
  return problems;
}

/** Creates the runtime: sessions are cached per model id and configured for shared CPUs. */
export function createModelRuntime(options: ModelRuntimeOptions): ModelRuntime {
  const sessions = new Map<string, Promise<LoadedModel>>();

  async function open(id: string): Promise<LoadedModel> {
    const installed = await options.registry.get(id);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(installed.path, {
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Spinning threads burn the cores other stages (and ffmpeg) share with us.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
    } catch (cause) {
      throw new ModelRejectedError(id, [`onnxruntime cannot load ${installed.path}: ${(cause as Error).message}`], { cause });
    }
    const problems = contractProblems(installed.manifest, session);
    if (problems.length > 0) {
      await session.release();
      throw new ModelRejectedError(id, problems);
    }
    return { manifest: installed.manifest, session };
  }

  return {
    registry: options.registry,
    load(id) {
      let loading = sessions.get(id);
      if (!loading) {
        loading = open(id);
        sessions.set(id, loading);
        // A failed load is not cached: the operator may fix the file and retry.
        loading.catch(() => sessions.delete(id));
      }
      return loading;
    },
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.session.release();
    },
  };
}
