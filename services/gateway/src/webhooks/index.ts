// Signed outcome callbacks for uploads that name a callbackUrl.
export {
  CallbackUrlError,
  parseCallbackUrl,
  resolveDeliverable,
  systemResolve,
  type ResolvedAddress,
  type ResolveHost,
} from './callback-url.ts';
export { postPinned } from './pinned-post.ts';
export { isPublicAddress } from './public-address.ts';
export {
  createWebhookNotifier,
  defaultBackoffMs,
  type WebhookNotifier,
  type WebhookNotifierOptions,
  type WebhookPayload,
} from './webhook-notifier.ts';
export { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook-signature.ts';
