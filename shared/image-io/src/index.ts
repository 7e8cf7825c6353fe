export * from './raster.ts';
export * from './errors.ts';
export * from './image-file-source.ts';
export * from './png-sink.ts';
export * from './image-file.ts';
export * from './convert-stream.ts';
export * from './preview.ts';
