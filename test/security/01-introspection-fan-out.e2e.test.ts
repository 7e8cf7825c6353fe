import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, type ServiceProcess } from '@revive/local-services';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 1: the query limits stopped at __schema/__type, so a 4 KB document of aliased
// introspection lists came back as megabytes. Every selection is now counted, meta fields
// included, and introspection is off unless REVIVE_GRAPHQL_INTROSPECTION=on.

const fields = Array.from({ length: 40 }, (_, i) => `f${i}: fields(includeDeprecated: true) { name description type { name kind } }`).join(
  ' ',
);
const types = Array.from({ length: 40 }, (_, i) => `t${i}: types { ...F }`).join(' ');
/** The probe: 40 aliased `types` under __schema, each spreading 40 aliased `fields`. */
const PROBE = `{ __schema { ${types} } } fragment F on __Type { ${fields} }`;
const ONE_MB = 1024 * 1024;

interface Reply {
  status: number;
  bytes: number;
  ms: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(url: string, token: string, query: string): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  return {
    status: response.status,
    bytes: Buffer.byteLength(text),
    ms: Math.round(performance.now() - started),
    body: JSON.parse(text) as Reply['body'],
  };
}

describe('security 1: introspection fan-out is bounded (real stack)', () => {
  let system: TestStack;
  let introspecting: ServiceProcess;
  let introspectingUrl: string;

  before(async () => {
    system = await startTestStack('security-introspection');
    // A second gateway of the same system with introspection on, as a developer would run it.
    introspecting = system.stack.startReplica('gateway', {
      REVIVE_GATEWAY_PORT: String(await freePort()),
      REVIVE_GRAPHQL_INTROSPECTION: 'on',
    });
    introspectingUrl = (JSON.parse(await introspecting.waitForLog(/gateway listening/)) as { graphql: string }).graphql;
  });
  after(() => system?.stop());

  it('the 4 KB probe is refused by default: introspection is off, and the refusal is small', async () => {
    assert.ok(Buffer.byteLength(PROBE) > 3500 && Buffer.byteLength(PROBE) <= 4096, `${Buffer.byteLength(PROBE)} bytes`);
    const reply = await post(system.stack.graphqlUrl, system.stack.token, PROBE);
    console.log(`probe (${Buffer.byteLength(PROBE)} B), introspection off: HTTP ${reply.status}, ${reply.bytes} B in ${reply.ms} ms`);
    assert.equal(reply.body.data, undefined);
    assert.match(reply.body.errors![0]!.message, /introspection has been disabled/);
    assert.ok(reply.bytes <= ONE_MB, `${reply.bytes} bytes`);
  });

  it('with introspection on, the probe is refused by the limits, which now count under __schema', async () => {
    const reply = await post(introspectingUrl, system.stack.token, PROBE);
    console.log(`probe (${Buffer.byteLength(PROBE)} B), introspection on: HTTP ${reply.status}, ${reply.bytes} B in ${reply.ms} ms`);
    assert.equal(reply.body.data, undefined);
    assert.equal(reply.body.errors![0]!.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(reply.body));
    assert.match(reply.body.errors![0]!.message, /1640 aliases/);
    assert.ok(reply.bytes <= ONE_MB, `${reply.bytes} bytes`);

    // Without aliases the nesting still multiplies: types × fields × type.fields × … is costed, not run.
    const nested = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
    const deep = await post(introspectingUrl, system.stack.token, nested);
    assert.equal(deep.body.data, undefined);
    assert.ok(
      deep.body.errors?.some((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX'),
      JSON.stringify(deep.body),
    );

    // Introspection that fits the limits is answered.
    const small = await post(introspectingUrl, system.stack.token, '{ __schema { queryType { name } } __type(name: "Media") { name } }');
    assert.deepEqual(small.body, { data: { __schema: { queryType: { name: 'Query' } }, __type: { name: 'Media' } } });
  });
});
