export * from './gateway.ts';
export * from './yoga.ts';
export * from './media-sniffer.ts';
export { isPublicAddress, signWebhook, verifyWebhook, SIGNATURE_HEADER, type WebhookPayload } from './webhooks/index.ts';
