// The publish service: writes the final result of each item and announces it.
import { serveStage } from '@revive/stage-kit';
import { stageService } from './stage.ts';

await serveStage(stageService);
