// Signed outcome callbacks for uploads that name a callbackUrl.
export { assertDeliverable, CallbackUrlError, isPrivateAddress, parseCallbackUrl } from './callback-url.ts';
export {
  createWebhookNotifier,
  defaultBackoffMs,
  type WebhookNotifier,
  type WebhookNotifierOptions,
  type WebhookPayload,
} from './webhook-notifier.ts';
export { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook-signature.ts';
