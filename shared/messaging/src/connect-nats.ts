import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { inboxPrefixOf, natsClientName } from './nats-permissions.ts';

/** Where a process finds NATS and who it is there (PlatformConfig's `nats`). */
export interface NatsClientSettings {
  readonly url: string;
  /** The service's nkey seed (`SU…`); undefined: connect anonymously (a bare test server). */
  readonly nkeySeed?: string;
}

/**
 * Connects to NATS with settings every Revive process shares: named after the service, signed
 * in with its nkey, replies on the service's own inbox prefix (the only subjects its user may
 * subscribe to besides its own), reconnecting forever.
 */
export function connectNats(settings: NatsClientSettings, service: string): Promise<NatsConnection> {
  const name = natsClientName(service);
  return connect({
    servers: settings.url,
    name,
    inboxPrefix: inboxPrefixOf(name),
    ...(settings.nkeySeed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(settings.nkeySeed)) } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  });
}
