export * from './ycbcr.ts';
export * from './colour-analysis.ts';
export * from './colorize-image.ts';
