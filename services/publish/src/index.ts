export { createPublishHandlers, RESULT_CONTENT_TYPE, type PublishDeps, type PublishHandlers } from './handler.ts';
export { publishVideo } from './video.handler.ts';
