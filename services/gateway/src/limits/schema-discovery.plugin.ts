import { GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/** graphql-js ends a message with its guesses at what was meant: `… Did you mean "media" or "medias"?`. */
const SUGGESTION = /\s*Did you mean .+\?$/s;

/**
 * What a caller may learn about the schema beyond the operations it sends. Off (the default in
 * production): `__schema` and `__type` are refused as validation errors, and graphql-js's
 * "Did you mean …" guesses are cut from every message, since they spell out the schema one
 * field, argument or enum value at a time, which is introspection by another name. On
 * (development, tooling): both, still counted by the query limits like any other selection.
 * The SDL ships in contracts/, so clients are generated from it, not from a live server.
 */
export function schemaDiscovery(enabled: boolean): Plugin {
  if (enabled) return {};
  const strip = ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
    if (result.errors?.some(suggests)) setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ result, setResult }) => {
        if (result.some(suggests)) setResult(result.map(withoutSuggestion));
      };
    },
    // Variables are coerced at execution ("Value "X3" does not exist in "Scale" enum. Did you mean …").
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, strip) }),
    onSubscribe: () => ({
      onSubscribeResult: ({ result, setResult }) => {
        if (!(Symbol.asyncIterator in result)) strip({ result, setResult });
      },
    }),
  };
}

const suggests = (error: Error): boolean => SUGGESTION.test(error.message);

function withoutSuggestion<E extends Error>(error: E): E | GraphQLError {
  if (!suggests(error)) return error;
  if (!(error instanceof GraphQLError)) return new GraphQLError(error.message.replace(SUGGESTION, ''), { originalError: error });
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
