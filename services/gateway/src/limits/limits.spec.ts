import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, Kind, parse, type FragmentDefinitionNode, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import { loadPlatformConfig } from '@revive/config';
import { graphqlSchemaSdl } from '@revive/contracts';
import type { GatewayDeps } from '../context.ts';
import { createGatewayYoga } from '../yoga.ts';
import { analyzeOperation } from './query-analysis.ts';
import { principalKey } from './rate-limit.plugin.ts';
import { TokenBuckets } from './token-bucket.ts';

const schema = buildSchema(graphqlSchemaSdl);
const limits = loadPlatformConfig({}).gateway.limits;

function analyze(source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source);
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return analyzeOperation(schema, operation, fragments, variables);
}

const FIELDS = `fragment F on Media { id kind filename status width height originalUrl resultUrl traceId
  options { scale colorize frameRateFactor } stages { stage status progress done total unit durationMs } error { code message stage attempt } }`;

describe('query analysis', () => {
  it('keeps what the web page and the tests ask for well inside the default limits', () => {
    for (const [source, variables] of [
      [
        `query ($first: Int!) { medias(first: $first) { edges { cursor node { ...F } } pageInfo { hasNextPage endCursor } } } ${FIELDS}`,
        { first: 100 },
      ],
      [`query ($id: ID!) { media(id: $id) { ...F } } ${FIELDS}`, { id: 'x' }],
      [`subscription ($id: ID!) { mediaProgress(id: $id) { event stage at media { ...F } } } ${FIELDS}`, { id: 'x' }],
      ['{ medias(first: 100) { edges { cursor } } }', {}],
    ] as const) {
      const cost = analyze(source, variables);
      assert.ok(
        cost.depth <= limits.maxDepth && cost.cost <= limits.maxCost / 3 && cost.aliases === 0,
        `${source.slice(0, 60)}: ${JSON.stringify(cost)}`,
      );
    }
  });

  it('multiplies by first (literal, variable or the schema default), counts aliases and inline-fragment depth', () => {
    assert.deepEqual(analyze('{ medias(first: 50) { edges { node { id stages { stage } } } } }'), {
      depth: 5,
      cost: 1 + 50 + 50 + 50,
      aliases: 0,
    });
    assert.equal(analyze('query ($n: Int) { medias(first: $n) { edges { node { id } } } }', { n: 7 }).cost, 1 + 7 + 7);
    assert.equal(analyze('{ medias { edges { node { id } } } }').cost, 1 + 20 + 20, 'the SDL default first: 20');
    assert.equal(analyze('{ a: media(id: "1") { id } b: media(id: "2") { id } }').aliases, 2);
    assert.equal(analyze('{ media(id: "1") { ... on Media { ... on Media { id } } } }').depth, 4);
  });

  it('counts introspection like any other selection: aliases, lists and depth under __schema and __type', () => {
    // The issue's probe in small: aliased lists under __schema, a fragment of aliased lists.
    const fields = Array.from({ length: 40 }, (_, i) => `f${i}: fields { name }`).join(' ');
    const types = Array.from({ length: 40 }, (_, i) => `t${i}: types { ...F }`).join(' ');
    const probe = analyze(`{ __schema { ${types} } } fragment F on __Type { ${fields} }`);
    assert.equal(probe.aliases, 40 + 40 * 40);
    assert.equal(probe.cost, 1 + 40 * (1 + 40 * 10), '__schema; each types list; each fields list once per type (10 assumed)');
    assert.equal(analyze('{ __type(name: "Media") { fields { type { ofType { name } } } } }').depth, 5);
    assert.equal(analyze('{ a: __typename b: __typename }').aliases, 2);
  });

  it('stops on a fragment cycle instead of recursing forever', () => {
    const cost = analyze('{ media(id: "1") { ...A } } fragment A on Media { id ...B } fragment B on Media { ...A }');
    assert.equal(cost.depth, 2);
  });

  it('gives up on a fragment bomb (each fragment spreads the next twice) instead of expanding 2^40 selections', () => {
    const fragments = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Media { ${i === 39 ? 'id' : `...F${i + 1} ...F${i + 1}`} }`,
    ).join(' ');
    const started = performance.now();
    assert.equal(analyze(`{ media(id: "1") { ...F0 } } ${fragments}`).cost, Number.POSITIVE_INFINITY);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('token buckets', () => {
  it('peek answers what take would, spending nothing', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, () => now);
    assert.deepEqual(buckets.peek('a'), { ok: true });
    buckets.take('a');
    buckets.take('a');
    assert.deepEqual(buckets.peek('a'), { ok: false, retryAfterSeconds: 30 });
    assert.deepEqual(buckets.peek('a'), buckets.take('a'));
    now += 30_000;
    assert.deepEqual(buckets.peek('a'), { ok: true });
    assert.deepEqual(buckets.peek('a'), { ok: true }, 'peeking spent nothing');
  });

  it('allows a burst up to the limit, then refills at the rate, per key', () => {
    let now = 0;
    const buckets = new TokenBuckets(60, () => now);
    for (let i = 0; i < 60; i += 1) assert.equal(buckets.take('a').ok, true);
    assert.deepEqual(buckets.take('a'), { ok: false, retryAfterSeconds: 1 });
    assert.equal(buckets.take('b').ok, true, 'another key has its own bucket');
    now += 1000;
    assert.equal(buckets.take('a').ok, true, 'one token a second comes back');
    assert.equal(buckets.take('a').ok, false);
    now += 10 * 60_000;
    buckets.take('c');
    assert.equal(buckets.size, 1, 'idle, full buckets are forgotten');
  });

  it('keys by the authenticated user, else by the peer address', () => {
    assert.equal(principalKey({ principal: { userId: 'u1' }, req: { socket: { remoteAddress: '10.0.0.1' } } }), 'user:u1');
    assert.equal(principalKey({ req: { socket: { remoteAddress: '10.0.0.1' } } }), 'ip:10.0.0.1');
    assert.equal(principalKey({}), 'ip:unknown');
  });
});

describe('limits on the graphql-ws path', () => {
  it('refuses a too-deep or too-costly subscription in the same validate graphql-ws calls', () => {
    const config = loadPlatformConfig({ REVIVE_MAX_QUERY_DEPTH: '3', REVIVE_LOG_LEVEL: 'silent' });
    const yoga = createGatewayYoga({ config } as unknown as GatewayDeps);
    const deep = 'subscription { mediaProgress(id: "x") { media { stages { stage } } } }';
    const { parse: envelopedParse, validate, schema: s } = yoga.getEnveloped({ params: { query: deep } });
    const errors = validate(s, envelopedParse(deep));
    assert.deepEqual(
      errors.map((e: GraphQLError) => e.extensions.code),
      ['QUERY_TOO_DEEP'],
    );
    const costly = 'query ($n: Int) { medias(first: $n) { edges { cursor } } }';
    const second = yoga.getEnveloped({ params: { query: costly, variables: { n: 1_000_000 } } });
    assert.deepEqual(
      second.validate(second.schema, second.parse(costly)).map((e: GraphQLError) => e.extensions.code),
      ['QUERY_TOO_COMPLEX'],
    );
  });
});
