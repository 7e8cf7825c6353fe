import { loadPlatformConfig } from '@revive/config';
import type { Hop, MediaKind, Stage } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { BuiltStage, StageServiceDefinition } from '@revive/stage-kit';

/** A stage handler with its event type erased: the benches feed each hop the previous hop's output. */
export type BenchHandler = (event: unknown, ctx: HandlerContext) => Promise<Outcome>;

/** The stages of some hops, built in this process as their services build them. */
export interface BenchStages {
  /** The handler the hop's stage runs for the hop's kind of media; one of the hops it was built for. */
  handlerOf(hop: Hop): BenchHandler;
  /** Releases what the stages hold (model runtimes). */
  close(): Promise<void>;
}

/**
 * Builds the stage of each hop from the `stageService` its package exports (what its main.ts
 * serves), on a platform config read from this process's environment with `settings` over it
 * (the bench's own object store…). The benches so run what the services run, and a new catalogue
 * stage needs no edit here. Fails before any measuring when a hop has no handler.
 */
export async function buildBenchStages(hops: readonly Hop[], settings: NodeJS.ProcessEnv): Promise<BenchStages> {
  const config = loadPlatformConfig({ ...process.env, ...settings });
  const log = createLogger('bench', 'silent');
  const built = new Map<Stage, BuiltStage<Stage>>();
  const close = async () => {
    await Promise.all([...built.values()].map((b) => b.close?.()));
  };
  // Keyed by kind, as runStage reads them: a stage's type names its kinds, the hop the one it needs.
  const handlerOf = (hop: Hop) =>
    (built.get(hop.stage)?.handlers as Readonly<Partial<Record<MediaKind, BenchHandler>>> | undefined)?.[hop.kind];
  try {
    for (const stage of new Set(hops.map((hop) => hop.stage))) built.set(stage, await (await stageServiceOf(stage)).build(config, log));
    const missing = hops.filter((hop) => typeof handlerOf(hop) !== 'function');
    if (missing.length) throw new Error(`no handler for ${missing.map((hop) => `${hop.stage} (${hop.kind})`).join(', ')}`);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    handlerOf(hop) {
      const handler = handlerOf(hop);
      if (!handler) throw new Error(`the bench built no ${hop.kind} handler of ${hop.stage}`);
      return handler;
    },
    close,
  };
}

/** The stage's `stageService`, loaded by the catalogue's name for it; an error saying what is missing otherwise. */
async function stageServiceOf(stage: Stage): Promise<StageServiceDefinition<Stage>> {
  const pkg = `@revive/${stage}`;
  const exports = (await import(pkg).catch((error: unknown) => {
    throw new Error(`could not load ${pkg}, the package of catalogue stage ${stage}: ${(error as Error).message}`, { cause: error });
  })) as { stageService?: Partial<StageServiceDefinition<Stage>> };
  const service = exports.stageService;
  if (service?.stage !== stage || typeof service.build !== 'function')
    throw new Error(`${pkg} exports no stageService for stage ${stage} (src/stage.ts, see docs/adding-a-stage.md)`);
  return service as StageServiceDefinition<Stage>;
}
