// The interpolate service: raises the frame rate of super-resolved videos (not available yet: it fails them loudly).
import { Stages, Subjects } from '@revive/contracts';
import { serveStage } from '@revive/stage-kit';
import { createInterpolateHandlers } from './handler.ts';

await serveStage({
  stage: Stages.interpolate,
  async build() {
    const handlers = createInterpolateHandlers();
    return { handlers: { [Subjects.videoSuperResolved]: handlers.video } };
  },
});
