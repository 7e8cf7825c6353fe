import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hopsOf, Stages, Subjects, type EventOf } from '@revive/contracts';
import type { HandlerContext } from '@revive/messaging';
import { createInterpolateHandlers } from './handler.ts';

const ctx: HandlerContext = { stage: 'interpolate', attempt: 1, heartbeat: () => {}, progress: () => {} };

describe('interpolate handlers', () => {
  it('covers the one hop the flow map gives the stage', () => {
    assert.deepEqual(hopsOf(Stages.interpolate).map((h) => h.consumes), [Subjects.videoSuperResolved]);
  });

  it('refuses videos loudly until frame interpolation exists, whatever the delivery', async () => {
    const { video } = createInterpolateHandlers();
    const event = { mediaId: '00000000-0000-4000-8000-000000000001' } as EventOf<typeof Subjects.videoSuperResolved>;
    const first = await video(event, ctx);
    assert.ok(first.kind === 'reject' && first.code === 'VIDEO_NOT_SUPPORTED');
    assert.match(first.reason, /^video interpolate is not available yet: /);
    assert.deepEqual(await video(event, { ...ctx, attempt: 2 }), first);
  });
});
