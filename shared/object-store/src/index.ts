export * from './object-store.ts';
export * from './filesystem-store.ts';
export * from './s3-store.ts';
export * from './create-object-store.ts';
export * from './traced-store.ts';
