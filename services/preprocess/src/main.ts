// The preprocess service: checks and normalises uploads, emits the preprocessed events.
import { serveStage } from '@revive/stage-kit';
import { stageService } from './stage.ts';

await serveStage(stageService);
