import { ModelRejectedError, runFloat32, type LoadedModel } from '@revive/model-runtime';
import { REGION_FEATURES } from './damage-regions.ts';

/**
 * What a verifier says of each region, named by its output: `helps`, whether filling it helps
 * (above 0.5: fill it whole, else leave it); `fillWeight`, how much of the fill to take, the rest
 * of each pixel from the print as it was read. A weight is the hedge a yes/no cannot make: where
 * a mark may be a scratch or a real thin line, half a fill costs less than either guess when wrong.
 */
export const VERIFIER_OUTPUTS = ['helps', 'fillWeight'] as const;

/**
 * A region weighed less than this is left as it was read: so little of the fill changes nothing
 * anyone would see, and it would count as repaired in the stage's figures and the video's next mask.
 */
export const LEAST_FILL_WEIGHT = 0.25;

/**
 * Refuses a verifier trained on other columns than REGION_FEATURES, or saying something the
 * repair cannot read: its judgement would be of numbers it never saw, and nothing downstream could tell.
 */
export function assertRegionVerifier(model: LoadedModel): void {
  const input = model.manifest.inputs[0];
  const columns = input?.features ?? [];
  if (input?.kind !== 'features' || columns.join() !== REGION_FEATURES.join())
    throw new ModelRejectedError(model.manifest.id, [
      `it reads features [${columns.join(', ')}], but the repair describes regions by [${REGION_FEATURES.join(', ')}]`,
    ]);
  const output = model.manifest.outputs[0]?.name ?? '';
  if (!(VERIFIER_OUTPUTS as readonly string[]).includes(output))
    throw new ModelRejectedError(model.manifest.id, [`its output "${output}" is none of ${VERIFIER_OUTPUTS.join(', ')}`]);
}

/**
 * How much of its fill each region takes, 0 to 1: 0 for damage the detector imagined in real
 * detail, or a mark whose fill would take its colour from a fringe left around it.
 */
export async function regionFillWeights(verifier: LoadedModel, features: Float32Array, count: number): Promise<Float32Array> {
  const weights = new Float32Array(count);
  if (count === 0) return weights;
  const input = verifier.manifest.inputs[0]!.name;
  const output = verifier.manifest.outputs[0]!.name;
  const outputs = await runFloat32(verifier, { [input]: { data: features, dims: [count, REGION_FEATURES.length] } });
  const says = (outputs[output] ?? Object.values(outputs)[0]!).data;
  for (let id = 0; id < count; id++) {
    const weight = output === 'helps' ? (says[id]! > 0.5 ? 1 : 0) : Math.min(1, says[id]!);
    weights[id] = weight < LEAST_FILL_WEIGHT ? 0 : weight;
  }
  return weights;
}
