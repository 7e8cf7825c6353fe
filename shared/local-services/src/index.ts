export * from './nats-server.ts';
export * from './service-process.ts';
export * from './local-stack.ts';
export * from './postgres-server.ts';
export * from './free-port.ts';
export * from './s3-server.ts';
export * from './credentials.ts';
export * from './local-ca.ts';
