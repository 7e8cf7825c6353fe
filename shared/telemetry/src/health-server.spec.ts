import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHealthServer } from './health-server.ts';

describe('health endpoints', () => {
  it('answers liveness always and readiness from the checks, naming the failing ones without their reasons', async () => {
    let storeUp = true;
    const reasons: Array<Record<string, string>> = [];
    const health = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks: {
        nats: async () => undefined,
        store: async () => (storeUp ? undefined : Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:9000'))),
      },
      onNotReady: (failed) => reasons.push(failed),
    });
    const base = `http://127.0.0.1:${health.port}`;
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
      storeUp = false;
      const notReady = await fetch(`${base}/readyz`);
      const body = await notReady.text();
      assert.deepEqual([notReady.status, JSON.parse(body)], [503, { status: 'not ready', failed: ['store'] }]);
      assert.doesNotMatch(body, /10\.0\.0\.7/, 'hosts stay out of the probe answer');
      assert.match(reasons[0]!.store!, /ECONNREFUSED/, 'the reason goes to the log');
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await health.close();
    }
  });

  it('counts a check that does not answer in time as failed', async () => {
    const health = await startHealthServer({ port: 0, host: '127.0.0.1', checks: { nats: () => new Promise(() => {}) } });
    try {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${health.port}/readyz`);
      assert.equal(res.status, 503);
      assert.ok(Date.now() - started < 5000);
    } finally {
      await health.close();
    }
  });
});
