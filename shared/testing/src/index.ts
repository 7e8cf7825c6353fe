// Test helpers: the real servers, on loopback, in temporary directories.
export * from '@revive/local-services';
export * from './sparse-png.ts';
