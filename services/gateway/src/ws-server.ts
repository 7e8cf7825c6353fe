import type { Server } from 'node:http';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Authenticator, Principal } from './auth/index.ts';
import type { OriginPolicy } from './browser/index.ts';
import type { GatewayContext } from './context.ts';
import { ErrorCodes } from './errors.ts';
import { GRAPHQL_PATH } from './yoga.ts';

type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

/**
 * Largest graphql-ws message, before and after connection_init: `ws` refuses a longer frame as it
 * arrives (close 1009), before buffering or parsing it; its default was 100 MiB, parsed for
 * anyone who opened a socket. The protocol's messages are small: the init carries a token, a
 * subscribe one document within REVIVE_MAX_QUERY_TOKENS (5,000 of this schema's longest names
 * come to about 80 KB).
 */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** graphql-ws has no code of its own for a refusal by rate; 4429 is its "too many" and clients treat it as final. */
const TOO_MANY_REQUESTS = CloseCode.TooManyInitialisationRequests;

/** What a connection keeps between connection_init and its subscriptions (an alias: graphql-ws wants an index-signature-compatible type). */
type ConnectionAuth = {
  authorization?: string;
  principal?: Principal;
};

const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
};

type Closable = { close(code: number, reason: string): void };

/** Closes with the code that says why: 4429 when the address was refused too often, else 4401. */
function refuse(socket: Closable, error: unknown): void {
  if ((error as GraphQLError | undefined)?.extensions?.code === ErrorCodes.rateLimited)
    socket.close(TOO_MANY_REQUESTS, 'Too Many Requests');
  else socket.close(CloseCode.Unauthorized, 'Unauthorized');
}

/**
 * graphql-ws on the same port and path as HTTP, executing through Yoga's envelop so both
 * transports share one schema, one context and the same plugins (error masking included).
 * A browser page may connect only from the gateway's own origin or an allowed one (WebSockets
 * are not subject to CORS), and with REVIVE_AUTH=off only under a Host naming the gateway.
 * The caller authenticates with `connection_init` `{ authorization: 'Bearer …' }`; without a
 * valid token the socket is closed with 4401 before any operation runs, and it is closed with
 * 4401 within seconds of the token being revoked or expiring.
 */
export function attachGraphqlWs(
  server: Server,
  yoga: YogaServerInstance<object, GatewayContext>,
  auth: Authenticator,
  origins: OriginPolicy,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    maxPayload: MAX_MESSAGE_BYTES,
    verifyClient: ({ origin, req }, done) => {
      const ok = origins.allowsHost(req.headers.host) && origins.allowsSocket(origin, req.headers.host);
      done(ok, ok ? undefined : 403, ok ? undefined : 'Forbidden');
    },
  });
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionAuth>(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const authorization = authorizationOf(ctx.connectionParams);
        let principal: Principal;
        try {
          principal = await auth.authenticate(authorization, request.socket.remoteAddress);
        } catch (error) {
          refuse(socket, error);
          return false;
        }
        ctx.extra.principal = principal;
        ctx.extra.authorization = authorization;
        const stopWatching = auth.watch(principal, () => socket.close(CloseCode.Unauthorized, 'Unauthorized'));
        if (socket.readyState === socket.OPEN) socket.once('close', stopWatching);
        else stopWatching();
        return true;
      },
      onSubscribe: async (ctx, _id, params) => {
        // Checked again per operation: a token revoked or expired since connecting starts nothing new.
        let principal: Principal;
        try {
          principal = await auth.authenticate(ctx.extra.authorization, ctx.extra.request.socket.remoteAddress);
        } catch (error) {
          refuse(ctx.extra.socket, error);
          return [error as never];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          principal,
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [error as never];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wss,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
