import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { inboxPrefixOf, natsClientName } from './nats-permissions.ts';

const PING_INTERVAL_MS = 5_000;

/** Where a process finds NATS and who it is there (PlatformConfig's `nats`). */
export interface NatsClientSettings {
  readonly url: string;
  /** A cluster's members (the url split); absent: `url` alone. */
  readonly servers?: readonly string[];
  /** The service's nkey seed (`SU…`); undefined: connect anonymously (a bare test server). */
  readonly nkeySeed?: string;
}

/**
 * Connects to NATS with settings every Revive process shares: named after the service, signed
 * in with its nkey, replies on the service's own inbox prefix (the only subjects its user may
 * subscribe to besides its own), reconnecting forever. Given a cluster's members it connects to
 * one at random and moves to another when that one is lost; core subscriptions (progress, the
 * gateway's fan-out) are re-established on the new server by the client.
 */
export function connectNats(settings: NatsClientSettings, service: string): Promise<NatsConnection> {
  const name = natsClientName(service);
  return connect({
    servers: settings.servers?.length ? [...settings.servers] : settings.url,
    name,
    inboxPrefix: inboxPrefixOf(name),
    ...(settings.nkeySeed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(settings.nkeySeed)) } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    // A server that hangs (frozen, or cut off) answers nothing and closes nothing: only unanswered
    // pings tell. nats.js's default (2 min × 2) would leave a service stuck on it for 4 minutes;
    // this moves it to another member of the cluster within ~15 s.
    pingInterval: PING_INTERVAL_MS,
    maxPingOut: 3,
  });
}
