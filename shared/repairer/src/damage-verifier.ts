import { ModelRejectedError, runFloat32, type LoadedModel } from '@revive/model-runtime';
import { REGION_FEATURES } from './damage-regions.ts';

/**
 * Refuses a verifier trained on other columns than REGION_FEATURES: its judgement would be of
 * numbers it never saw, and nothing downstream could tell.
 */
export function assertRegionVerifier(model: LoadedModel): void {
  const input = model.manifest.inputs[0];
  const columns = input?.features ?? [];
  if (input?.kind !== 'features' || columns.join() !== REGION_FEATURES.join())
    throw new ModelRejectedError(model.manifest.id, [
      `it reads features [${columns.join(', ')}], but the repair describes regions by [${REGION_FEATURES.join(', ')}]`,
    ]);
}

/**
 * Which regions to fill, 1 each: those the verifier judges filling helps (its output above 0.5;
 * the training placed the bar there). The rest are damage the detector imagined in real detail,
 * or marks whose fill would take its colour from a fringe left around them.
 */
export async function helpfulRegions(verifier: LoadedModel, features: Float32Array, count: number): Promise<Uint8Array> {
  const keep = new Uint8Array(count);
  if (count === 0) return keep;
  const input = verifier.manifest.inputs[0]!.name;
  const outputs = await runFloat32(verifier, { [input]: { data: features, dims: [count, REGION_FEATURES.length] } });
  const helps = (outputs[verifier.manifest.outputs[0]!.name] ?? Object.values(outputs)[0]!).data;
  for (let id = 0; id < count; id++) keep[id] = helps[id]! > 0.5 ? 1 : 0;
  return keep;
}
