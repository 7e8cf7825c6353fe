import { stagesOf, type MediaKind, type Stage } from '@revive/contracts';

/** A stage as the GraphQL API names it (the StageName enum): the catalogue's name upper-cased. */
export const apiStage = (stage: Stage): string => stage.toUpperCase();

/**
 * `STAGE:OUTCOME` for every stage an item of this kind passes through, in flow order, from the
 * catalogue: each `outcome`, except the stages named in `except`. The tests compare what an item
 * went through with this, so a new stage changes them by its entry in the catalogue alone.
 */
export function expectedStages(kind: MediaKind, outcome: string, except: Partial<Record<Stage, string>> = {}): string[] {
  return stagesOf(kind).map((stage) => `${apiStage(stage)}:${except[stage] ?? outcome}`);
}
