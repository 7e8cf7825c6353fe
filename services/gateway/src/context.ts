import type { NatsConnection } from 'nats';
import type { PlatformConfig } from '@revive/config';
import type { Logger } from '@revive/logging';
import type { ObjectStore } from '@revive/object-store';
import type { MediaHub } from './media-hub.ts';
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
}

export type GatewayContext = GatewayDeps;
