export * from './telea-fill.ts';
export * from './synthetic-damage.ts';
export * from './training-set.ts';
export * from './damage-repair.ts';
export * from './repair-image.ts';
