import type { Server } from 'node:http';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Authenticator, Principal } from './auth/index.ts';
import type { GatewayContext } from './context.ts';
import { GRAPHQL_PATH } from './yoga.ts';

type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

/** What a connection keeps between connection_init and its subscriptions (an alias: graphql-ws wants an index-signature-compatible type). */
type ConnectionAuth = {
  authorization?: string;
  principal?: Principal;
};

const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
};

/**
 * graphql-ws on the same port and path as HTTP, executing through Yoga's envelop so both
 * transports share one schema, one context and the same plugins (error masking included).
 * The caller authenticates with `connection_init` `{ authorization: 'Bearer …' }`; without a
 * valid token the socket is closed with 4401 before any operation runs.
 */
export function attachGraphqlWs(
  server: Server,
  yoga: YogaServerInstance<object, GatewayContext>,
  auth: Authenticator,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH });
  const refuse = (socket: { close(code: number, reason: string): void }) => socket.close(CloseCode.Unauthorized, 'Unauthorized');
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionAuth>(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        try {
          ctx.extra.principal = await auth.authenticate(authorization);
          ctx.extra.authorization = authorization;
          return true;
        } catch {
          refuse(ctx.extra.socket);
          return false;
        }
      },
      onSubscribe: async (ctx, _id, params) => {
        // Checked again per operation: a token revoked or expired since connecting starts nothing new.
        let principal: Principal;
        try {
          principal = await auth.authenticate(ctx.extra.authorization);
        } catch (error) {
          refuse(ctx.extra.socket);
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
