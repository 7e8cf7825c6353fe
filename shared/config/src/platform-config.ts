import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadInferenceConfig, type InferenceConfig } from './inference-config.ts';
import { defaultStateDir } from './paths.ts';
import { loadTelemetryConfig, type TelemetryConfig } from './telemetry-config.ts';

const env = z.object({
  REVIVE_STATE_DIR: z.string().min(1).optional(),
  REVIVE_NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Replicas of the media stream: 1 on one machine, 3 on a JetStream cluster. */
  REVIVE_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  REVIVE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .default('postgres://revive@127.0.0.1:5433/revive'),
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
  readonly nats: { readonly url: string; readonly streamReplicas: number };
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
  };
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
}

/** What one GraphQL document may ask for, and how often one principal may ask. */
export interface GatewayLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly uploadsPerMinute: number;
  readonly requestsPerMinute: number;
}

/** What a restored video may be. */
export interface VideoLimits {
  readonly maxSeconds: number;
  readonly maxOutputPixels: number;
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
  const publicUrl = e.REVIVE_PUBLIC_URL ?? `http://${e.REVIVE_GATEWAY_HOST}:${e.REVIVE_GATEWAY_PORT}`;
  return {
    stateDir,
    nats: { url: e.REVIVE_NATS_URL, streamReplicas: e.REVIVE_STREAM_REPLICAS },
    database: { url: e.REVIVE_DATABASE_URL },
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
      },
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
      maxOutputFps: e.REVIVE_MAX_VIDEO_FPS,
      chunkSeconds: e.REVIVE_VIDEO_CHUNK_SECONDS,
    },
  };
}
