import { FailureCodes, isFailureCode, STAGE_NAMES, stageDefinition, type Stage } from '@revive/contracts';

const isStage = (stage: string): stage is Stage => (STAGE_NAMES as readonly string[]).includes(stage);

/**
 * The client's message for a failure of `stage` with `code` (the sentences are in contracts'
 * FailureCodes); a code without its own sentence (INTERNAL, INVALID_EVENT, one from a newer
 * stage) gets the stage's. The stage's own message goes to the log (projector.ts), never here.
 */
export function failureMessage(code: string, stage: string | null): string {
  const own = isFailureCode(code) ? FailureCodes[code] : null;
  if (own) return own;
  const name = stage?.toLowerCase() ?? '';
  return `${isStage(name) ? `the ${stageDefinition(name).label.toLowerCase()} step` : 'a processing step'} failed on the server`;
}

/** A failure as a client may see it: the same record, its message replaced by the code's. */
export function publicFailure<F extends { readonly code: string; readonly stage: string | null; readonly message: string }>(failure: F): F {
  return { ...failure, message: failureMessage(failure.code, failure.stage) };
}
