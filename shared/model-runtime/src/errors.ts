/** No installed model has this id, or none fits the request. */
export class ModelNotFoundError extends Error {
  override readonly name = 'ModelNotFoundError';
  readonly retryable = false;
}

/**
 * A model file or manifest is installed but unusable: bad manifest, missing file,
 * hash mismatch, or a graph whose inputs/outputs break the manifest's contract.
 */
export class ModelRejectedError extends Error {
  override readonly name = 'ModelRejectedError';
  readonly retryable = false;
  constructor(
    readonly modelId: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`model ${modelId} refused: ${problems.join('; ')}`, options);
  }
}

/** Inference was cancelled through its AbortSignal. */
export class InferenceAbortedError extends Error {
  override readonly name = 'InferenceAbortedError';
  readonly retryable = false;
}
