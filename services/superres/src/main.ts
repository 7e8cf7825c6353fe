// The superres service: consumes colorized images (and videos), emits the super-resolved events.
import { serveStage } from '@revive/stage-kit';
import { stageService } from './stage.ts';

await serveStage(stageService);
