export * from './float-image.ts';
export * from './imresize.ts';
export * from './metrics.ts';
export * from './report.ts';
export * from './sr/sr-eval.ts';
