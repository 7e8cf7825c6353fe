// The repair service: consumes preprocessed images (and videos), emits the repaired events.
import { serveStage } from '@revive/stage-kit';
import { stageService } from './stage.ts';

await serveStage(stageService);
