export { createPublishHandlers, RESULT_CONTENT_TYPE, type PublishDeps, type PublishHandlers } from './handler.ts';
export { createPublishVideoHandler, VIDEO_RESULT_CONTENT_TYPE, type PublishVideoDeps } from './video.handler.ts';
export { stageService } from './stage.ts';
