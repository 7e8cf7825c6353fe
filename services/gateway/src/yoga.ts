import { createFetch } from '@whatwg-node/fetch';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { graphqlSchemaSdl } from '@revive/contracts';
import type { Principal } from './auth/index.ts';
import type { GatewayContext, GatewayDeps } from './context.ts';
import { clientError, ErrorCodes } from './errors.ts';
import type { Resolvers } from './generated/graphql.ts';
import { queryLimits, rateLimits, typedRequestErrors } from './limits/index.ts';
import { objectRoute } from './object-route.ts';
import { mediaProgressSubscription } from './resolvers/media-progress.subscription.ts';
import { mediaQuery } from './resolvers/media.query.ts';
import { mediaTypeResolvers } from './resolvers/media.type.ts';
import { failuresQuery } from './resolvers/failures.query.ts';
import { cancelMediaMutation, retryMediaMutation } from './resolvers/media-lifecycle.mutations.ts';
import { mediasQuery } from './resolvers/medias.query.ts';
import { uploadMediaMutation } from './resolvers/upload-media.mutation.ts';
import { webRoute } from './web-route.ts';

export const GRAPHQL_PATH = '/graphql';

/** Builds the gateway's Yoga instance; tests call `yoga.fetch` on it without opening a port. */
export function createGatewayYoga(
  deps: GatewayDeps,
  options: { isReady?: () => boolean | Promise<boolean> } = {},
): YogaServerInstance<object, GatewayContext> {
  // Typed against the SDL: a resolver that drifts from the schema fails the type check.
  const resolvers: Resolvers = {
    Query: { media: mediaQuery, medias: mediasQuery, failures: failuresQuery },
    Mutation: { uploadMedia: uploadMediaMutation, retryMedia: retryMediaMutation, cancelMedia: cancelMediaMutation },
    Subscription: { mediaProgress: mediaProgressSubscription },
    Media: mediaTypeResolvers,
  };
  const schema = createSchema<GatewayContext>({ typeDefs: graphqlSchemaSdl, resolvers });
  return createYoga<object, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Over HTTP the caller is read from `Authorization: Bearer …` (401 UNAUTHENTICATED when it is
    // missing or not valid); graphql-ws authenticates at connection_init and passes `principal` in.
    context: async (initial: { request?: Request; principal?: Principal }): Promise<GatewayContext> => {
      const principal = initial.principal ?? (await deps.auth.authenticate(initial.request?.headers.get('authorization')));
      return { ...deps, principal, media: deps.media.ownedBy(principal.userId) };
    },
    // Unexpected errors reach clients as "Unexpected error." with no stack or internals, whatever
    // NODE_ENV says; the multipart parser's own size refusal becomes our typed UPLOAD_TOO_LARGE.
    maskedErrors: {
      isDev: false,
      maskError: (error, message) =>
        error instanceof GraphQLError && error.extensions.code === 'REQUEST_ENTITY_TOO_LARGE'
          ? clientError(ErrorCodes.uploadTooLarge, `the upload is larger than the limit of ${deps.config.gateway.maxUploadBytes} bytes`, {
              limitBytes: deps.config.gateway.maxUploadBytes,
              http: { status: 413 },
            })
          : maskError(error, message, false),
    },
    logging: {
      debug: (...a) => deps.log.debug({ yoga: a.map(String).join(' ') }),
      info: (...a) => deps.log.info({ yoga: a.map(String).join(' ') }),
      warn: (...a) => deps.log.warn({ yoga: a.map(String).join(' ') }),
      error: (...a) => deps.log.error({ err: a[0] }, 'graphql error'),
    },
    // The multipart parser stops reading past the limit instead of buffering an oversized upload.
    fetchAPI: createFetch({ formDataLimits: { fileSize: deps.config.gateway.maxUploadBytes, files: 1, fieldSize: 1_000_000 } }),
    plugins: [
      objectRoute(deps.store, deps.urls),
      {
        async onRequest({ url, endResponse, fetchAPI }) {
          if (url.pathname === '/healthz') endResponse(new fetchAPI.Response('ok'));
          if (url.pathname === '/readyz') {
            const ready = await (options.isReady ?? (() => !deps.nc.isClosed()))();
            endResponse(new fetchAPI.Response(ready ? 'ready' : 'not ready', { status: ready ? 200 : 503 }));
          }
        },
      },
      webRoute(GRAPHQL_PATH),
      queryLimits(deps.config.gateway.limits),
      rateLimits(deps.config.gateway.limits),
      typedRequestErrors(),
    ],
  });
}
