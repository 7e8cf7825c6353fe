export * from './model-manifest.ts';
export * from './pipeline-names.ts';
export * from './events.ts';
export * from './flow.ts';
export * from './graphql-schema.ts';
export * from './photo-corpus.ts';
export * from './output-size.ts';
export * from './failure-codes.ts';
