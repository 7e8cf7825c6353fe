export * from './object-store.ts';
export * from './filesystem-store.ts';
