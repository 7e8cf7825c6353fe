export * from './frame.ts';
export * from './interpolator.ts';
export * from './frame-average.ts';
export * from './scene-cut.ts';
export * from './minterpolate.ts';
export * from './learned-interpolator.ts';
export * from './default-engine.ts';
