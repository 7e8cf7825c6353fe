// The interpolate service: raises the frame rate of super-resolved videos, chunk by chunk.
import { serveStage } from '@revive/stage-kit';
import { stageService } from './stage.ts';

await serveStage(stageService);
