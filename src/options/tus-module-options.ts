import type { Type } from '@nestjs/common';
import { IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Min } from 'class-validator';
import { isTrustProxyEntry } from '../http/trusted-proxies.js';
import { LOCKER_METHODS, type Locker } from '../locking/locker.js';
import type { DataRate } from '../protocol/uploads/body-reader.js';
import { UPLOAD_STORE_METHODS, type UploadStore } from '../storage/upload-store.js';
import { option, type OptionsOf, type ResolvedOf } from './option-spec.js';
import { Implements, IsNonNegativeInt, IsNonNegativeIntOrFunction, IsOrigins, Satisfies, isDataRate } from './option-rules.js';

/** Resolves the largest accepted upload for a request (e.g. per user plan). */
export type MaxSizeResolver = (request: any) => number | undefined | Promise<number | undefined>;

/** Who is asking, from the framework request (after guards ran). */
export type PrincipalResolver = (request: any) => string | undefined | Promise<string | undefined>;

/** Where the metrics go. */
export interface TusMetricsOptions {
  /** A prom-client `Registry`; default its global `register`. */
  registry?: unknown;
  /** Prefix of every metric name. Default `tus_`. */
  prefix?: string;
}

const CORS_OPTION_SPECS = {
  /** `'*'` (default) reflects any origin; a list allows only those; a function decides. */
  origins: option<'*' | string[] | ((origin: string) => boolean)>({ default: '*', rules: [IsOrigins()] }),
  /** Sends `Access-Control-Allow-Credentials: true` (cookies, auth headers). Default false. */
  credentials: option<boolean>({ default: false, rules: [IsBoolean()] }),
  /** Request headers to allow besides the tus ones (e.g. a custom auth header). */
  allowedHeaders: option<string[]>({ default: [], rules: [IsArray(), IsString({ each: true })] }),
  /** Response headers to expose besides the tus ones. */
  exposedHeaders: option<string[]>({ default: [], rules: [IsArray(), IsString({ each: true })] }),
  /** Seconds a browser may cache a preflight. Default 86400. */
  maxAge: option<number>({ default: 86400, rules: [IsNonNegativeInt()] }),
};

export interface TusCorsOptions extends OptionsOf<typeof CORS_OPTION_SPECS> {}

/** Every option of {@link TusModuleOptions}: its rules, its default, its type and its documentation. */
export const MODULE_OPTION_SPECS = {
  /** Root directory of the default file store. Default `./uploads`. Ignored when `store` is set. */
  directory: option<string>({ default: './uploads', rules: [IsString(), IsNotEmpty()] }),
  /** A store of your own instead of the file store. */
  store: option<UploadStore>({ rules: [Implements('UploadStore', UPLOAD_STORE_METHODS, 'store')] }),
  /** A locker of your own (several instances); default in-memory. */
  locker: option<Locker>({ rules: [Implements('Locker', LOCKER_METHODS, 'locker')] }),
  /** Largest upload in bytes (advertised as `Tus-Max-Size`), or a function of the request. Default: none. */
  maxSize: option<number | MaxSizeResolver>({ rules: [IsNonNegativeIntOrFunction()] }),
  /** Largest raw `Upload-Metadata` header in bytes. Default 8192 (Node refuses headers over 16 KiB anyway). */
  maxMetadataSize: option<number>({ default: 8192, rules: [IsInt(), Min(1)] }),
  /** Most partial uploads one final (`Upload-Concat: final;…`) may list, repeats included; over it → 400. Default 100. */
  maxConcatParts: option<number>({ default: 100, rules: [IsInt(), Min(1)] }),
  /** `Location` as an absolute path (`/files/id`) instead of an absolute URL. Default false. */
  relativeLocation: option<boolean>({ default: false, rules: [IsBoolean()] }),
  /**
   * Peers (IP addresses or CIDR ranges, e.g. `10.0.0.0/8`, or `'loopback'`) whose `Forwarded` /
   * `X-Forwarded-Proto` / `X-Forwarded-Host` headers are believed when building `Location`. Default none.
   */
  trustProxy: option<string[]>({
    default: [],
    rules: [IsArray(), IsString({ each: true })],
    problems: (entries) => entries.filter((entry) => !isTrustProxyEntry(entry)).map((entry) => `"${entry}" is not an IP address, a CIDR range or 'loopback'`),
  }),
  /** Built-in CORS handling; `false` when a gateway or `app.enableCors()` owns CORS. */
  cors: option<TusCorsOptions | false>({
    rules: [Satisfies('isCors', (v) => v === false || (typeof v === 'object' && v !== null), '$property must be an object or false')],
    nested: CORS_OPTION_SPECS,
  }),
  /** ms without progress after which an incomplete upload expires (410). Default 24 h; 0 = never. */
  expireIncompleteAfter: option<number>({ default: 24 * 60 * 60 * 1000, rules: [IsNonNegativeInt()] }),
  /** ms a completed upload is kept after its last byte. Default 0 = forever. */
  completedRetention: option<number>({ default: 0, rules: [IsNonNegativeInt()] }),
  /** ms between runs of the built-in cleanup. Default 1 h; 0 = do not schedule (call `TusService.cleanup()`). */
  cleanupInterval: option<number>({ default: 60 * 60 * 1000, rules: [IsNonNegativeInt()] }),
  /** ms a terminated or expired id answers 410 before it is forgotten (then 404). Default 7 days. */
  tombstoneRetention: option<number>({ default: 7 * 24 * 60 * 60 * 1000, rules: [IsNonNegativeInt()] }),
  /** fsync before reporting an offset, so it survives an OS crash as well as a process crash. Default false. */
  fsync: option<boolean>({ default: false, rules: [IsBoolean()] }),
  /** ms without a byte after which a PATCH is ended (its bytes kept). Default 60 s; 0 = never. */
  idleTimeout: option<number>({ default: 60_000, rules: [IsNonNegativeInt()] }),
  /**
   * The slowest a PATCH (or creation) body may arrive: fewer than `bytes` in an `interval` (ms) ends it
   * like an idle one (its bytes kept, 500). Stops a client trickling bytes to keep a socket and a file
   * open. Default `{ bytes: 1024, interval: 60_000 }`; `false` = no floor.
   */
  minDataRate: option<DataRate | false>({
    default: { bytes: 1024, interval: 60_000 },
    rules: [Satisfies('isDataRate', isDataRate, '$property must be false or { bytes, interval } (positive integers: bytes per interval ms)')],
  }),
  /** ms a request waits for an older one on the same upload to let go before answering 423. Default 10 s. */
  lockTimeout: option<number>({ default: 10_000, rules: [IsNonNegativeInt()] }),
  /**
   * Switch off Node's 300 s `server.requestTimeout`, which would cut long PATCHes (tus-js-client sends
   * a whole file in one PATCH by default). The idle timeout protects against stalled clients instead.
   * Default true.
   */
  disableRequestTimeout: option<boolean>({ default: true, rules: [IsBoolean()] }),
  /** `GET` on an upload URL downloads its bytes (Range, ETag, safe Content-Type). `false`: 405. Default true. */
  download: option<boolean>({ default: true, rules: [IsBoolean()] }),
  /** Serve incomplete uploads too (the bytes received so far); otherwise 404 until complete. Default false. */
  downloadIncomplete: option<boolean>({ default: false, rules: [IsBoolean()] }),
  /**
   * Per-upload ownership: who is asking, e.g. `(req) => req.user?.id`. Each upload records its creator
   * (or the owner a PreCreateHandler returns); anyone else then gets 404 on every method. Default: off.
   */
  principal: option<PrincipalResolver>({ rules: [Satisfies('isFunction', (v) => typeof v === 'function', '$property must be a function of the request')] }),
  /**
   * A class with class-validator decorators the decoded `Upload-Metadata` must satisfy on creation;
   * failures answer 400 listing the problems. E.g. `class UploadMeta { @IsString() filename!: string }`.
   */
  metadata: option<Type<object>>({ rules: [Satisfies('isClass', (v) => typeof v === 'function', '$property must be a class with class-validator decorators')] }),
  /** ms between two progress events of one upload on `TusService.events$`. Default 1000. */
  progressInterval: option<number>({ default: 1000, rules: [IsNonNegativeInt()] }),
  /**
   * `'inline'` (default): the UploadCompleteHandler is awaited before the last PATCH is answered, and
   * its HttpException becomes the answer. `'background'`: the PATCH is answered at once and the handler
   * runs behind it. Either way it runs at least once: a crash or a failure runs it again.
   */
  completion: option<'inline' | 'background'>({ default: 'inline', rules: [IsIn(['inline', 'background'])] }),
  /** ms before a failed completion handler runs again (doubling per failure, up to 1 h). Default 5000. */
  completionRetryDelay: option<number>({ default: 5000, rules: [IsInt(), Min(1)] }),
  /**
   * ms the application's shutdown (`app.enableShutdownHooks()`, `app.close()`) gives running PATCHes and
   * completion handlers to end; then they are cut (their bytes are kept). Default 10 000.
   */
  shutdownTimeout: option<number>({ default: 10_000, rules: [IsNonNegativeInt()] }),
  /**
   * Prometheus metrics through `prom-client` (install it): `true` registers them in its default registry,
   * or give `{ registry, prefix }`. Default off (prom-client is then not loaded). See docs/production.md.
   */
  metrics: option<boolean | TusMetricsOptions>({
    rules: [Satisfies('isMetrics', (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null), '$property must be true, false or { registry, prefix }')],
  }),
};

/** Options that may come from `ConfigService` (`forRootAsync`). All have working defaults. */
export interface TusModuleOptions extends OptionsOf<typeof MODULE_OPTION_SPECS> {}

/** Options after defaults, as the service uses them. */
export type ResolvedTusOptions = Omit<ResolvedOf<typeof MODULE_OPTION_SPECS>, 'cors'> & { cors: ResolvedOf<typeof CORS_OPTION_SPECS> | false };
