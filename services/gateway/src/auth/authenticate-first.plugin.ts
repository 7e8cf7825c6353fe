import type { Plugin } from 'graphql-yoga';
import { peerAddress } from '../limits/rate-limit.plugin.ts';
import type { Authenticator, Principal } from './authenticator.ts';

/** The Yoga plugin, and where the context factory finds the principal it authenticated. */
export type AuthenticateFirst = Plugin & { principalOf(request: Request): Principal | undefined };

/**
 * Authenticates an HTTP GraphQL request before Yoga reads its body: an anonymous caller gets
 * 401 (or 429) without the gateway parsing, validating or costing its document, and so without
 * validation's hints about the schema. The principal is kept by request for the context factory.
 */
export function authenticateFirst(auth: Authenticator): AuthenticateFirst {
  const principals = new WeakMap<Request, Principal>();
  return {
    async onRequestParse({ request, serverContext }) {
      principals.set(request, await auth.authenticate(request.headers.get('authorization'), peerAddress(serverContext)));
    },
    principalOf: (request) => principals.get(request),
  };
}
