import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCodes } from '../errors.ts';

/**
 * Yoga and graphql-js report a request they cannot start (a body that is not JSON, a multipart
 * `operations` field that is not, a variable of the wrong type, a missing non-null variable such
 * as an absent file part, a refused batch) as errors with no code. Those are the client's
 * mistakes: give them BAD_USER_INPUT so every refusal is typed. An error wrapping a thrown
 * non-GraphQL error is left to masking.
 */
export function typedRequestErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) {
        if (result.some(hasUntyped)) setResult(result.map(retype));
      } else if (hasUntyped(result)) {
        setResult(retype(result as ExecutionResult));
      }
    },
  };
}

const untyped = (e: unknown): e is GraphQLError =>
  e instanceof GraphQLError && e.extensions?.code === undefined && (!e.originalError || e.originalError instanceof GraphQLError);

const hasUntyped = (r: unknown): boolean =>
  r !== null && typeof r === 'object' && !(Symbol.asyncIterator in r) && ((r as ExecutionResult).errors?.some(untyped) ?? false);

function retype(r: ExecutionResult): ExecutionResult {
  if (!hasUntyped(r)) return r;
  return {
    ...r,
    errors: r.errors!.map((e) =>
      untyped(e)
        ? new GraphQLError(e.message, {
            nodes: e.nodes,
            source: e.source,
            positions: e.positions,
            path: e.path,
            originalError: e.originalError,
            extensions: { ...e.extensions, code: ErrorCodes.badUserInput },
          })
        : e,
    ),
  };
}
