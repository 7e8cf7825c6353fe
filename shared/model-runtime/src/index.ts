export * from './errors.ts';
export * from './model-registry.ts';
export * from './model-runtime.ts';
export * from './tile-plan.ts';
export * from './tiled-inference.ts';
export * from './image-file-inference.ts';
export * from './inference-telemetry.ts';
