import type { NatsConnection } from 'nats';
import type { PlatformConfig } from '@revive/config';
import type { Logger } from '@revive/logging';
import type { ObjectStore } from '@revive/object-store';
import type { Admission } from './admission.ts';
import type { Authenticator, Principal } from './auth/index.ts';
import type { StageRateSource } from './estimates/index.ts';
import type { MediaHub } from './media-hub.ts';
import type { MediaOperations } from './media-operations.ts';
import type { ObjectUrls } from './object-urls.ts';
import type { MediaRepository } from './persistence/index.ts';

/** What every resolver may use; built once per gateway process. */
export interface GatewayDeps {
  readonly config: PlatformConfig;
  readonly log: Logger;
  readonly nc: NatsConnection;
  readonly store: ObjectStore;
  readonly media: MediaRepository;
  readonly hub: MediaHub;
  readonly urls: ObjectUrls;
  /** retryMedia, cancelMedia, failure history; absent where a test does not need them (the fields then answer SERVICE_UNAVAILABLE). */
  readonly operations?: MediaOperations;
  /** Who a request acts for (REVIVE_AUTH decides whether a token is needed). */
  readonly auth: Authenticator;
  /** Hands uploads to the pipeline while their owner has room (REVIVE_MAX_IN_FLIGHT_PER_USER). */
  readonly admission: Admission;
  /** This server's stage rates for whole-item ETAs; absent where a test does not need them (estimates then use their priors). */
  readonly stageRates?: StageRateSource;
}

/**
 * One request's context: the deps, the caller, and `media` narrowed to the caller's items
 * (`deps.media.ownedBy(principal.userId)`), so a resolver cannot reach another user's media.
 */
export type GatewayContext = GatewayDeps & { readonly principal: Principal };
