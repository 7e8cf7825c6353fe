export { createColorizeHandlers, type ColorizeDeps, type ColorizeHandlers } from './handler.ts';
export { colorizeVideo } from './video.handler.ts';
