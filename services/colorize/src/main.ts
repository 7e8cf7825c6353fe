// The colorize service: consumes repaired images (and videos), emits the colorized events.
import { serveStage } from '@revive/stage-kit';
import { stageService } from './stage.ts';

await serveStage(stageService);
