import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadInferenceConfig, type InferenceConfig } from './inference-config.ts';
import { localDatabaseUrl } from './local-credentials.ts';
import { defaultStateDir } from './paths.ts';
import { loadTelemetryConfig, type TelemetryConfig } from './telemetry-config.ts';

const env = z.object({
  REVIVE_STATE_DIR: z.string().min(1).optional(),
  /** One server, or a cluster's members comma-separated: the client fails over between them. */
  REVIVE_NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** This service's NATS nkey seed; its user's permissions are derived from the stage catalogue. Unset: anonymous. */
  REVIVE_NATS_NKEY_SEED: z
    .string()
    .regex(/^SU[A-Z2-7]{56}$/, 'an nkey user seed (SU…, 58 characters)')
    .optional(),
  /** Replicas of the media stream: 1 on one machine, 3 on a JetStream cluster. */
  REVIVE_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Unset: `npm start`'s PostgreSQL on this machine, with the password it generated into the state dir. */
  REVIVE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  REVIVE_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
  REVIVE_STORE_DIR: z.string().min(1).optional(),
  REVIVE_S3_BUCKET: z.string().min(3).optional(),
  REVIVE_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Set for S3-compatible servers (MinIO, Swift s3api); unset for AWS. */
  REVIVE_S3_ENDPOINT: z.url().optional(),
  REVIVE_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  REVIVE_PRESIGN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(900),
  REVIVE_GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  REVIVE_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** PEM certificate (chain) and private key: the gateway serves HTTPS (and WSS) with them. */
  REVIVE_TLS_CERT_FILE: z.string().min(1).optional(),
  REVIVE_TLS_KEY_FILE: z.string().min(1).optional(),
  /** `local` (npm start only): a local CA made on first start certifies this machine; see local-services' local-ca.ts. */
  REVIVE_TLS: z.enum(['off', 'local']).default('off'),
  /** `on` (npm start only, or `npm start -- --cluster`): three nats-servers as one JetStream cluster, two of every service. */
  REVIVE_CLUSTER: z.enum(['off', 'on']).default('off'),
  /** Names and addresses the local CA's certificate covers, comma-separated; default: this machine's. */
  REVIVE_TLS_HOSTS: z.string().optional(),
  /** Longest a client may take to send a request's headers (slow-header clients hold a socket until then). */
  REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(20),
  /** Longest a client may take to send a whole request, body included (uploads): Node's 300 s default held slow bodies that long. */
  REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(24 * 3600)
    .default(120),
  /** How clients reach the gateway (for object URLs on the filesystem store). */
  REVIVE_PUBLIC_URL: z.url().optional(),
  REVIVE_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * 1024 * 1024),
  /** Deepest GraphQL selection accepted (fields and inline fragments); the schema's own queries need 5. */
  REVIVE_MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(100).default(10),
  /** Budget of object fields × list sizes (`first`) one GraphQL operation may resolve. */
  REVIVE_MAX_QUERY_COST: z.coerce.number().int().positive().default(2000),
  /** Aliased fields in one GraphQL document (alias bombs repeat an expensive field). */
  REVIVE_MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(30),
  /** Lexical tokens in one GraphQL document (bounds parsing of a huge query string). */
  REVIVE_MAX_QUERY_TOKENS: z.coerce.number().int().min(100).default(5000),
  /** Mutations (uploads) one user, or one address when anonymous, may start a minute (bursts up to it). */
  REVIVE_RATE_LIMIT_UPLOADS_PER_MINUTE: z.coerce.number().int().positive().default(300),
  /** Queries and subscriptions one user, or one address when anonymous, may start a minute. */
  REVIVE_RATE_LIMIT_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  /** GraphQL requests and graphql-ws connections without a valid token one address may make a minute; past it they are refused (429) before authenticating. */
  REVIVE_RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /** `on` (development, tooling): introspection, GraphiQL and "Did you mean …" suggestions for authenticated callers. `off`: none; the SDL ships in contracts/. */
  REVIVE_GRAPHQL_INTROSPECTION: z.enum(['on', 'off']).default('off'),
  /** Web origins besides the gateway's own whose pages may call the API (CORS, WebSocket), comma-separated; unset: same origin only. */
  REVIVE_ALLOWED_ORIGINS: z.string().optional(),
  /** Signs the gateway's object URLs on the filesystem store; every gateway replica needs the same one. */
  REVIVE_URL_SIGNING_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** Signs webhook deliveries (HMAC-SHA256); unset: uploads naming a callbackUrl are refused. */
  REVIVE_WEBHOOK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** Lets callback URLs name loopback and private addresses (tests, a trusted LAN); off so a callback cannot reach into the cluster. */
  REVIVE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /** `required`: every API call needs a user's API token. `off`: a single-user install on a trusted loopback; every request acts as the built-in local user. */
  REVIVE_AUTH: z.enum(['required', 'off']).default('required'),
  REVIVE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Messages one stage replica works on at once (heavy stages: 1). */
  REVIVE_STAGE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  REVIVE_ACK_WAIT_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  REVIVE_MAX_DELIVER: z.coerce.number().int().min(1).max(100).default(5),
  /** A stage's liveness/readiness HTTP port (Kubernetes probes); 0 or unset: none. */
  REVIVE_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Longest video accepted, in seconds of the source. */
  REVIVE_MAX_VIDEO_SECONDS: z.coerce
    .number()
    .positive()
    .max(24 * 3600)
    .default(600),
  /** Largest restored video frame, in output pixels (after super-resolution); 4K UHD by default. */
  REVIVE_MAX_VIDEO_PIXELS: z.coerce
    .number()
    .int()
    .positive()
    .default(3840 * 2160),
  /** Most pixels a restored video may hold over all its frames (after super-resolution and interpolation); ten minutes of 1080p at 60 fps by default. */
  REVIVE_MAX_VIDEO_TOTAL_PIXELS: z.coerce.number().int().positive().default(75_000_000_000),
  /** Largest restored image, in output pixels (after super-resolution): 16384x16384 by default. */
  REVIVE_MAX_IMAGE_PIXELS: z.coerce
    .number()
    .int()
    .positive()
    .default(2 ** 28),
  /** Items one user may have in the pipeline at once; later uploads wait QUEUED until one of theirs finishes. */
  REVIVE_MAX_IN_FLIGHT_PER_USER: z.coerce.number().int().min(1).max(10_000).default(8),
  /** How often the gateway deletes what finished items no longer need. */
  REVIVE_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** How long a FAILED item keeps its intermediates, so retryMedia can restart it where it failed. */
  REVIVE_RETRY_WINDOW_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** Finished items (their row, original and result) are deleted this many days after they finished; unset: kept. */
  REVIVE_RESULT_RETENTION_DAYS: z.coerce.number().positive().max(36_500).optional(),
  /** Highest output frame rate (after interpolation). */
  REVIVE_MAX_VIDEO_FPS: z.coerce.number().positive().max(1000).default(120),
  /** Length of the chunks a video is cut into: the unit of parallel work and of crash recovery. */
  REVIVE_VIDEO_CHUNK_SECONDS: z.coerce.number().min(0.2).max(120).default(4),
});

/** The variables this parser reads (inference and telemetry settings have parsers of their own); deployment manifests are checked against them. */
export const PLATFORM_ENV_KEYS: readonly string[] = Object.keys(env.shape);

export type StoreConfig =
  | { readonly kind: 'filesystem'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly region: string;
      readonly endpoint: string | undefined;
      readonly forcePathStyle: boolean;
      readonly presignTtlSeconds: number;
    };

/** Everything a Revive process needs to know about its surroundings, parsed once at boot. */
export interface PlatformConfig {
  readonly stateDir: string;
  readonly nats: {
    /** REVIVE_NATS_URL as given; `servers` is the same list split. */
    readonly url: string;
    readonly servers: readonly string[];
    readonly streamReplicas: number;
    readonly nkeySeed: string | undefined;
  };
  readonly database: { readonly url: string };
  readonly store: StoreConfig;
  readonly gateway: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
    readonly maxUploadBytes: number;
    /** undefined: a local install keeps a generated one in its state dir. */
    readonly urlSigningSecret: string | undefined;
    readonly urlTtlSeconds: number;
    /** Whether API calls must carry a user's token (REVIVE_AUTH). */
    readonly auth: 'required' | 'off';
    /** GraphQL document limits and per-principal rates. */
    readonly limits: GatewayLimits;
    /** Whether callers may introspect the schema (and see "Did you mean …" suggestions). */
    readonly introspection: boolean;
    /** Origins (`scheme://host[:port]`) besides the gateway's own whose pages may call the API. */
    readonly allowedOrigins: readonly string[];
    /** HTTPS when set (certificate chain and key files). */
    readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
    /** How long a client may take over its request's headers, and over the whole request. */
    readonly timeouts: { readonly headersMs: number; readonly requestMs: number };
  };
  /** How `npm start` provides HTTPS: given files (gateway.tls), or a local CA it makes for these hosts. */
  readonly localTls: { readonly mode: 'off' | 'local'; readonly hosts: readonly string[] | undefined };
  /** Whether `npm start` runs a three-server JetStream cluster with two replicas of every service. */
  readonly localCluster: boolean;
  readonly stage: { readonly concurrency: number; readonly ackWaitMs: number; readonly maxDeliver: number };
  /** Signed completion/failure callbacks; secret undefined: webhooks are off. */
  readonly webhooks: { readonly secret: string | undefined; readonly allowPrivateTargets: boolean };
  readonly log: { readonly level: string };
  readonly inference: InferenceConfig;
  /** Stage services: /healthz and /readyz on this port; undefined: not served. */
  readonly health: { readonly port: number | undefined };
  readonly telemetry: TelemetryConfig;
  /** Video limits (checked at upload and by preprocess) and the chunk length. */
  readonly video: VideoLimits & { readonly chunkSeconds: number };
  /** Image output limit (checked at upload and by every stage, with the video ones: contracts' OutputLimits). */
  readonly image: { readonly maxOutputPixels: number };
  /** Items per user in the pipeline at once (the rest wait QUEUED). */
  readonly admission: { readonly maxInFlightPerUser: number };
  /** What the gateway's sweeper deletes, and when. */
  readonly retention: RetentionSettings;
}

/** When the sweeper deletes what finished items leave behind. */
export interface RetentionSettings {
  readonly sweepIntervalMs: number;
  /** A FAILED item's intermediates are kept this long (retryMedia needs them). */
  readonly retryWindowMs: number;
  /** Finished items are deleted whole this long after finishing; undefined: kept. */
  readonly resultRetentionMs: number | undefined;
}

/** What one GraphQL document may ask for, and how often one principal may ask. */
export interface GatewayLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly uploadsPerMinute: number;
  readonly requestsPerMinute: number;
  /** Requests without a valid token one address may make a minute (checked before authenticating). */
  readonly anonymousPerMinute: number;
}

/** What a restored video may be. */
export interface VideoLimits {
  readonly maxSeconds: number;
  /** Per output frame. */
  readonly maxOutputPixels: number;
  /** Over all output frames. */
  readonly maxTotalPixels: number;
  readonly maxOutputFps: number;
}

/** Parses the environment into the platform's typed settings; throws ConfigError listing every problem. */
export function loadPlatformConfig(source: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const parsed = env.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(`invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const stateDir = resolve(e.REVIVE_STATE_DIR ?? defaultStateDir);
  let store: StoreConfig;
  if (e.REVIVE_STORE === 's3') {
    if (!e.REVIVE_S3_BUCKET) throw new ConfigError('REVIVE_STORE=s3 needs REVIVE_S3_BUCKET');
    store = {
      kind: 's3',
      bucket: e.REVIVE_S3_BUCKET,
      region: e.REVIVE_S3_REGION,
      endpoint: e.REVIVE_S3_ENDPOINT,
      forcePathStyle: e.REVIVE_S3_FORCE_PATH_STYLE ? e.REVIVE_S3_FORCE_PATH_STYLE === 'true' : e.REVIVE_S3_ENDPOINT !== undefined,
      presignTtlSeconds: e.REVIVE_PRESIGN_TTL_SECONDS,
    };
  } else {
    store = { kind: 'filesystem', root: resolve(e.REVIVE_STORE_DIR ?? resolve(stateDir, 'objects')) };
  }
  if (Boolean(e.REVIVE_TLS_CERT_FILE) !== Boolean(e.REVIVE_TLS_KEY_FILE))
    throw new ConfigError('REVIVE_TLS_CERT_FILE and REVIVE_TLS_KEY_FILE go together: set both or neither');
  if (e.REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS > e.REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS)
    throw new ConfigError('REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS must not exceed REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS');
  const tls =
    e.REVIVE_TLS_CERT_FILE && e.REVIVE_TLS_KEY_FILE
      ? { certFile: resolve(e.REVIVE_TLS_CERT_FILE), keyFile: resolve(e.REVIVE_TLS_KEY_FILE) }
      : undefined;
  const publicUrl = e.REVIVE_PUBLIC_URL ?? `${tls ? 'https' : 'http'}://${e.REVIVE_GATEWAY_HOST}:${e.REVIVE_GATEWAY_PORT}`;
  return {
    stateDir,
    nats: {
      url: e.REVIVE_NATS_URL,
      servers: e.REVIVE_NATS_URL.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      streamReplicas: e.REVIVE_STREAM_REPLICAS,
      nkeySeed: e.REVIVE_NATS_NKEY_SEED,
    },
    database: { url: e.REVIVE_DATABASE_URL ?? localDatabaseUrl(stateDir) },
    store,
    gateway: {
      host: e.REVIVE_GATEWAY_HOST,
      port: e.REVIVE_GATEWAY_PORT,
      publicUrl: publicUrl.replace(/\/$/, ''),
      maxUploadBytes: e.REVIVE_MAX_UPLOAD_BYTES,
      urlSigningSecret: e.REVIVE_URL_SIGNING_SECRET,
      urlTtlSeconds: e.REVIVE_PRESIGN_TTL_SECONDS,
      auth: e.REVIVE_AUTH,
      limits: {
        maxDepth: e.REVIVE_MAX_QUERY_DEPTH,
        maxCost: e.REVIVE_MAX_QUERY_COST,
        maxAliases: e.REVIVE_MAX_QUERY_ALIASES,
        maxTokens: e.REVIVE_MAX_QUERY_TOKENS,
        uploadsPerMinute: e.REVIVE_RATE_LIMIT_UPLOADS_PER_MINUTE,
        requestsPerMinute: e.REVIVE_RATE_LIMIT_REQUESTS_PER_MINUTE,
        anonymousPerMinute: e.REVIVE_RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      },
      introspection: e.REVIVE_GRAPHQL_INTROSPECTION === 'on',
      allowedOrigins: webOrigins(e.REVIVE_ALLOWED_ORIGINS),
      tls,
      timeouts: { headersMs: e.REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS * 1000, requestMs: e.REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS * 1000 },
    },
    localCluster: e.REVIVE_CLUSTER === 'on',
    localTls: {
      mode: e.REVIVE_TLS,
      hosts: e.REVIVE_TLS_HOSTS?.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    },
    stage: { concurrency: e.REVIVE_STAGE_CONCURRENCY, ackWaitMs: e.REVIVE_ACK_WAIT_SECONDS * 1000, maxDeliver: e.REVIVE_MAX_DELIVER },
    webhooks: { secret: e.REVIVE_WEBHOOK_SECRET, allowPrivateTargets: e.REVIVE_WEBHOOK_ALLOW_PRIVATE === 'true' },
    log: { level: e.REVIVE_LOG_LEVEL },
    inference: loadInferenceConfig(source),
    health: { port: e.REVIVE_HEALTH_PORT || undefined },
    telemetry: loadTelemetryConfig(source),
    video: {
      maxSeconds: e.REVIVE_MAX_VIDEO_SECONDS,
      maxOutputPixels: e.REVIVE_MAX_VIDEO_PIXELS,
      maxTotalPixels: e.REVIVE_MAX_VIDEO_TOTAL_PIXELS,
      maxOutputFps: e.REVIVE_MAX_VIDEO_FPS,
      chunkSeconds: e.REVIVE_VIDEO_CHUNK_SECONDS,
    },
    image: { maxOutputPixels: e.REVIVE_MAX_IMAGE_PIXELS },
    admission: { maxInFlightPerUser: e.REVIVE_MAX_IN_FLIGHT_PER_USER },
    retention: {
      sweepIntervalMs: e.REVIVE_SWEEP_INTERVAL_SECONDS * 1000,
      retryWindowMs: e.REVIVE_RETRY_WINDOW_HOURS * 3_600_000,
      resultRetentionMs: e.REVIVE_RESULT_RETENTION_DAYS === undefined ? undefined : e.REVIVE_RESULT_RETENTION_DAYS * 86_400_000,
    },
  };
}

/** `https://a.example, http://b.example:8080` → the origins, each exactly as a browser sends it in `Origin`. */
function webOrigins(list: string | undefined): string[] {
  const origins = (list ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const bad = origins.filter((o) => URL.parse(o)?.origin !== o);
  if (bad.length)
    throw new ConfigError(
      `REVIVE_ALLOWED_ORIGINS takes origins such as https://photos.example (scheme, host, port; no path): ${bad.join(', ')}`,
    );
  return origins;
}
