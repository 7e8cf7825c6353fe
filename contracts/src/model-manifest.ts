import { z } from 'zod';

/** What a model does; each enhancement stage asks the registry for models of one task. */
export const ModelTask = {
  superres: 'superres',
  colorize: 'colorize',
  interpolate: 'interpolate',
  /** Marks damage (cracks, scratches, dust, tears) in a print: one probability per pixel. */
  repairDetect: 'repair-detect',
  /** Fills masked pixels from their surroundings. */
  repairFill: 'repair-fill',
  /** Judges each region the detector marked, from its features: the probability that filling it helps. */
  repairVerify: 'repair-verify',
} as const;
export type ModelTask = (typeof ModelTask)[keyof typeof ModelTask];

const tensorContract = z.object({
  /** Tensor name inside the ONNX graph. */
  name: z.string().min(1),
  /**
   * `image` tensors are 4-D pixel tensors; `scalar` ones carry a value such as a timestep;
   * `features` ones are rows of named numbers (N × features.length).
   */
  kind: z.enum(['image', 'scalar', 'features']).default('image'),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  channels: z.number().int().positive().optional(),
  /** Value range the pixels are expressed in, e.g. [0, 255] or [0, 1]. */
  range: z.tuple([z.number(), z.number()]).optional(),
  /** What the channels mean: rgb, or a colour-space component set such as lab-l / lab-ab. */
  colorSpace: z.string().default('rgb'),
  /** The columns of a `features` tensor, in order: the code that fills it checks it knows each. */
  features: z.array(z.string().min(1)).min(1).optional(),
});
export type TensorContract = z.infer<typeof tensorContract>;

/** A model manifest: the JSON file an operator drops beside an ONNX file to install it. */
export const modelManifestSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  task: z.enum(Object.values(ModelTask) as [ModelTask, ...ModelTask[]]),
  /** Output size / input size: 2 or 4 for super-resolution, 1 otherwise. */
  scale: z.number().int().min(1).max(16),
  /** ONNX file name, relative to the manifest's directory. */
  file: z.string().regex(/^[^/\\]+\.onnx$/, 'a file name ending in .onnx, without directories'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  inputs: z.array(tensorContract).min(1),
  outputs: z.array(tensorContract).min(1),
  /** How the runtime should tile large images for this model (a model over features is not tiled and leaves it out). */
  tiling: z
    .object({
      tileSize: z.number().int().min(16),
      overlap: z.number().int().min(0),
      /** Tile sides must be a multiple of this (e.g. for models that downsample internally). */
      sizeMultiple: z.number().int().min(1).default(1),
    })
    .refine((t) => t.overlap * 2 < t.tileSize, 'overlap must be less than half the tile size')
    .default({ tileSize: 512, overlap: 0, sizeMultiple: 1 }),
  /**
   * Whole-image models (colorization) see the image resized to this working size rather than
   * tiled: colour depends on what the whole picture shows. Sides are rounded to tiling.sizeMultiple.
   */
  workingSize: z.object({ shortSide: z.number().int().min(16), maxSide: z.number().int().min(16) }).optional(),
  licence: z.string().min(1),
  source: z.string().min(1),
  /** How the file was made: converter, training run, export command. */
  provenance: z.string().min(1),
  description: z.string().optional(),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelManifestInput = z.input<typeof modelManifestSchema>;

/** Validates an unknown value as a manifest; the message lists every problem with its path. */
export function parseModelManifest(value: unknown): { ok: true; manifest: ModelManifest } | { ok: false; problems: string[] } {
  const result = modelManifestSchema.safeParse(value);
  if (result.success) return { ok: true, manifest: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
  };
}
