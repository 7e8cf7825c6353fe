import { createSchema, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { graphqlSchemaSdl } from '@revive/contracts';
import { authenticateFirst, endRevokedStreams, unauthenticated, type Principal } from './auth/index.ts';
import { browserDefences, createOriginPolicy } from './browser/index.ts';
import type { GatewayContext, GatewayDeps } from './context.ts';
import type { Resolvers } from './generated/graphql.ts';
import { queryLimits, rateLimits, schemaDiscovery, typedRequestErrors } from './limits/index.ts';
import { downloadRoutes } from './downloads/index.ts';
import { objectRoute } from './object-route.ts';
import { mediaProgressSubscription } from './resolvers/media-progress.subscription.ts';
import { mediaQuery } from './resolvers/media.query.ts';
import { mediaTypeResolvers } from './resolvers/media.type.ts';
import { failuresQuery } from './resolvers/failures.query.ts';
import { cancelMediaMutation, retryMediaMutation } from './resolvers/media-lifecycle.mutations.ts';
import { mediasQuery } from './resolvers/medias.query.ts';
import { archiveUrlQuery } from './resolvers/archive-url.query.ts';
import { deleteMediaMutation } from './resolvers/delete-media.mutation.ts';
import { reprocessMediaMutation } from './resolvers/reprocess-media.mutation.ts';
import { uploadMediaMutation } from './resolvers/upload-media.mutation.ts';
import { requestBodyLimits } from './uploads/index.ts';
import { webRoute } from './web-route.ts';

export const GRAPHQL_PATH = '/graphql';

/** Builds the gateway's Yoga instance; tests call `yoga.fetch` on it without opening a port. */
export function createGatewayYoga(
  deps: GatewayDeps,
  options: { isReady?: () => boolean | Promise<boolean> } = {},
): YogaServerInstance<object, GatewayContext> {
  // Typed against the SDL: a resolver that drifts from the schema fails the type check.
  const resolvers: Resolvers = {
    Query: { media: mediaQuery, medias: mediasQuery, failures: failuresQuery, archiveUrl: archiveUrlQuery },
    Mutation: {
      uploadMedia: uploadMediaMutation,
      retryMedia: retryMediaMutation,
      cancelMedia: cancelMediaMutation,
      deleteMedia: deleteMediaMutation,
      reprocessMedia: reprocessMediaMutation,
    },
    Subscription: { mediaProgress: mediaProgressSubscription },
    Media: mediaTypeResolvers,
  };
  const schema = createSchema<GatewayContext>({ typeDefs: graphqlSchemaSdl, resolvers });
  const authFirst = authenticateFirst(deps.auth);
  const origins = createOriginPolicy(deps.config.gateway);
  return createYoga<object, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Over HTTP the caller was authenticated from `Authorization: Bearer …` before the body was read
    // (authenticateFirst); graphql-ws authenticates at connection_init and passes `principal` in.
    context: (initial: { request?: Request; principal?: Principal }): GatewayContext => {
      const principal = initial.principal ?? (initial.request && authFirst.principalOf(initial.request));
      if (!principal) throw unauthenticated();
      return { ...deps, principal, media: deps.media.ownedBy(principal.userId) };
    },
    cors: (request) => origins.cors(request),
    // GraphiQL is no use without introspection.
    graphiql: deps.config.gateway.introspection,
    // Unexpected errors reach clients as "Unexpected error." with no stack or internals, whatever NODE_ENV says.
    maskedErrors: { isDev: false, maskError: (error, message) => maskError(error, message, false) },
    logging: {
      debug: (...a) => deps.log.debug({ yoga: a.map(String).join(' ') }),
      info: (...a) => deps.log.info({ yoga: a.map(String).join(' ') }),
      warn: (...a) => deps.log.warn({ yoga: a.map(String).join(' ') }),
      error: (...a) => deps.log.error({ err: a[0] }, 'graphql error'),
    },
    // Yoga's one limit for every body (25 MB) would cap uploads below REVIVE_MAX_UPLOAD_BYTES, and its
    // multipart parser holds the file in memory: requestBodyLimits sets both limits and streams uploads.
    maxRequestBodySize: false,
    plugins: [
      browserDefences(origins),
      requestBodyLimits(deps.config.gateway.maxUploadBytes),
      objectRoute(deps.store, deps.urls),
      downloadRoutes(deps.store, deps.urls, deps.media),
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
      authFirst,
      schemaDiscovery(deps.config.gateway.introspection),
      queryLimits(deps.config.gateway.limits),
      rateLimits(deps.config.gateway.limits),
      endRevokedStreams(deps.auth),
      typedRequestErrors(),
    ],
  });
}
