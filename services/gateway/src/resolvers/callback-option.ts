import type { GatewayContext } from '../context.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import { CallbackUrlError, parseCallbackUrl } from '../webhooks/index.ts';

/** `EnhanceOptions.callbackUrl`, checked: webhooks enabled on this server, an http(s) URL, no private target unless allowed. */
export function parseCallbackOption(raw: string | null | undefined, ctx: GatewayContext): string | undefined {
  if (raw == null || raw === '') return undefined;
  if (!ctx.config.webhooks.secret || !ctx.operations)
    throw clientError(ErrorCodes.badUserInput, 'this server does not send webhooks (REVIVE_WEBHOOK_SECRET is not set)', {
      reason: 'WEBHOOKS_DISABLED',
    });
  try {
    return parseCallbackUrl(raw, ctx.config.webhooks.allowPrivateTargets);
  } catch (error) {
    if (error instanceof CallbackUrlError) throw clientError(ErrorCodes.badUserInput, error.message, { reason: 'INVALID_CALLBACK_URL' });
    throw error;
  }
}
