export * from './gateway.ts';
export * from './yoga.ts';
export * from './media-sniffer.ts';
