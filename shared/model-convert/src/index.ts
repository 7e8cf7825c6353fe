export * from './convert.ts';
export * from './build-models.ts';
export * from './upscalerjs-catalogue.ts';
export * from './layers-to-onnx.ts';
export { readTfjsLayersModel, UnsupportedModelError } from './tfjs-layers-model.ts';
export * from './tfjs-reference.ts';
