export * from './model-manifest.ts';
