// Browser-facing defences: CORS allow-list, CSRF prevention, and the Host check against DNS rebinding.
export { browserDefences, CSRF_HEADERS } from './browser-defences.plugin.ts';
export { createOriginPolicy, type OriginPolicy } from './origin-policy.ts';
