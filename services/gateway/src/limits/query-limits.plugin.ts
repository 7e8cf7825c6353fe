import { Kind, Lexer, parse, Source, TokenKind, type FragmentDefinitionNode, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { clientError, ErrorCodes } from '../errors.ts';
import { analyzeOperation } from './query-analysis.ts';

/** How much one GraphQL document may ask for. */
export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  /** Lexical tokens in one document: bounds the parser's work on a huge query string. */
  readonly maxTokens: number;
}

type WithParams = { params?: { variables?: Record<string, unknown> | null } };

/**
 * Refuses, before any resolver runs, a document that is too large to parse, too deep, too
 * costly or too aliased. It hooks envelop's parse and validate, so graphql-ws subscriptions
 * (which go through the same `getEnveloped`) are held to the same limits as HTTP.
 */
export function queryLimits(limits: QueryLimits): Plugin {
  const tooLong = () =>
    clientError(ErrorCodes.queryTooComplex, `the query is longer than the limit of ${limits.maxTokens} tokens`, {
      limit: limits.maxTokens,
    });
  return {
    // Over HTTP a document past the token limit is refused with a typed code before parsing;
    // the parser's own maxTokens bounds every other path (graphql-ws) all the same.
    onParams({ params, setResult }) {
      if (typeof params.query === 'string' && exceedsTokens(params.query, limits.maxTokens)) setResult({ errors: [tooLong()] });
    },
    onParse({ setParseFn }) {
      setParseFn((source, options) => parse(source, { ...options, maxTokens: limits.maxTokens }));
    },
    onValidate({ addValidationRule, context }) {
      addValidationRule(limitsRule(limits, (context as WithParams).params?.variables ?? {}));
    },
  };
}

/** Counts lexical tokens up to the limit (a syntax error stops counting: the parser reports it). */
function exceedsTokens(query: string, max: number): boolean {
  if (query.length <= max) return false;
  const lexer = new Lexer(new Source(query));
  try {
    for (let n = 0; lexer.advance().kind !== TokenKind.EOF; n += 1) if (n >= max) return true;
  } catch {
    return false;
  }
  return false;
}

function limitsRule(limits: QueryLimits, variables: Record<string, unknown>): ValidationRule {
  return (context) => ({
    Document: {
      leave(document) {
        const fragments = new Map<string, FragmentDefinitionNode>();
        for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
        for (const d of document.definitions) {
          if (d.kind !== Kind.OPERATION_DEFINITION) continue;
          const { depth, cost, aliases } = analyzeOperation(context.getSchema(), d, fragments, variables);
          if (depth > limits.maxDepth) {
            context.reportError(
              clientError(ErrorCodes.queryTooDeep, `the query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, {
                depth,
                limit: limits.maxDepth,
              }),
            );
          } else if (aliases > limits.maxAliases) {
            context.reportError(
              clientError(ErrorCodes.queryTooComplex, `the query uses ${aliases} aliases; the limit is ${limits.maxAliases}`, {
                aliases,
                limit: limits.maxAliases,
              }),
            );
          } else if (cost > limits.maxCost) {
            context.reportError(
              clientError(
                ErrorCodes.queryTooComplex,
                `the query would cost ${Number.isFinite(cost) ? cost : 'too much to count'}; the limit is ${limits.maxCost}`,
                { cost: Number.isFinite(cost) ? cost : null, limit: limits.maxCost },
              ),
            );
          }
        }
      },
    },
  });
}
