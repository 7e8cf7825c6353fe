export { createRepairHandlers, type RepairDeps, type RepairHandlers } from './handler.ts';
export { createRepairVideoHandler, type RepairVideoDeps } from './video.handler.ts';
export { NO_DAMAGE_FOUND, REPAIR_NOT_ASKED } from './skip-reasons.ts';
export { stageService } from './stage.ts';
