export * from './outcome.ts';
export * from './consumer-loop.ts';
export * from './publisher.ts';
export * from './streams.ts';
export * from './stage-runner.ts';
export * from './message-tracing.ts';
export * from './durable-consume.ts';
