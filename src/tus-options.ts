import type { CanActivate, DynamicModule, ForwardReference, Type } from '@nestjs/common';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Min,
  ValidateBy,
  buildMessage,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { isTrustProxyEntry } from './http/trusted-proxies.js';
import type { Locker } from './locking/locker.js';
import type { DataRate } from './protocol/body-reader.js';
import type { UploadStore } from './storage/upload-store.js';
import type { PreCreateHandler, PreTerminateHandler, UploadCompleteHandler } from './interfaces/tus-handlers.interface.js';

/** Resolves the largest accepted upload for a request (e.g. per user plan). */
export type MaxSizeResolver = (request: any) => number | undefined | Promise<number | undefined>;

export interface TusCorsOptions {
  /** `'*'` (default) reflects any origin; a list allows only those; a function decides. */
  origins?: '*' | string[] | ((origin: string) => boolean);
  /** Sends `Access-Control-Allow-Credentials: true` (cookies, auth headers). Default false. */
  credentials?: boolean;
  /** Request headers to allow besides the tus ones (e.g. a custom auth header). */
  allowedHeaders?: string[];
  /** Response headers to expose besides the tus ones. */
  exposedHeaders?: string[];
  /** Seconds a browser may cache a preflight. Default 86400. */
  maxAge?: number;
}

/** Options that may come from `ConfigService` (`forRootAsync`). All have working defaults. */
export interface TusModuleOptions {
  /** Root directory of the default file store. Default `./uploads`. Ignored when `store` is set. */
  directory?: string;
  /** A store of your own instead of the file store. */
  store?: UploadStore;
  /** A locker of your own (several instances); default in-memory. */
  locker?: Locker;
  /** Largest upload in bytes (advertised as `Tus-Max-Size`), or a function of the request. Default: none. */
  maxSize?: number | MaxSizeResolver;
  /** Largest raw `Upload-Metadata` header in bytes. Default 8192 (Node refuses headers over 16 KiB anyway). */
  maxMetadataSize?: number;
  /** Most partial uploads one final (`Upload-Concat: final;…`) may list, repeats included; over it → 400. Default 100. */
  maxConcatParts?: number;
  /** `Location` as an absolute path (`/files/id`) instead of an absolute URL. Default false. */
  relativeLocation?: boolean;
  /**
   * Peers (IP addresses or CIDR ranges, e.g. `10.0.0.0/8`, or `'loopback'`) whose `Forwarded` /
   * `X-Forwarded-Proto` / `X-Forwarded-Host` headers are believed when building `Location`. Default none.
   */
  trustProxy?: string[];
  /** Built-in CORS handling; `false` when a gateway or `app.enableCors()` owns CORS. */
  cors?: TusCorsOptions | false;
  /** ms without progress after which an incomplete upload expires (410). Default 24 h; 0 = never. */
  expireIncompleteAfter?: number;
  /** ms a completed upload is kept after its last byte. Default 0 = forever. */
  completedRetention?: number;
  /** ms between runs of the built-in cleanup. Default 1 h; 0 = do not schedule (call `TusService.cleanup()`). */
  cleanupInterval?: number;
  /** ms a terminated or expired id answers 410 before it is forgotten (then 404). Default 7 days. */
  tombstoneRetention?: number;
  /** fsync before reporting an offset, so it survives an OS crash as well as a process crash. Default false. */
  fsync?: boolean;
  /** ms without a byte after which a PATCH is ended (its bytes kept). Default 60 s; 0 = never. */
  idleTimeout?: number;
  /**
   * The slowest a PATCH (or creation) body may arrive: fewer than `bytes` in an `interval` (ms) ends it
   * like an idle one (its bytes kept, 500). Stops a client trickling bytes to keep a socket and a file
   * open. Default `{ bytes: 1024, interval: 60_000 }`; `false` = no floor.
   */
  minDataRate?: DataRate | false;
  /** ms a request waits for an older one on the same upload to let go before answering 423. Default 10 s. */
  lockTimeout?: number;
  /**
   * Switch off Node's 300 s `server.requestTimeout`, which would cut long PATCHes (tus-js-client sends
   * a whole file in one PATCH by default). The idle timeout protects against stalled clients instead.
   * Default true.
   */
  disableRequestTimeout?: boolean;
  /** `GET` on an upload URL downloads its bytes (Range, ETag, safe Content-Type). `false`: 405. Default true. */
  download?: boolean;
  /** Serve incomplete uploads too (the bytes received so far); otherwise 404 until complete. Default false. */
  downloadIncomplete?: boolean;
  /**
   * Per-upload ownership: who is asking, e.g. `(req) => req.user?.id`. Each upload records its creator
   * (or the owner a PreCreateHandler returns); anyone else then gets 404 on every method. Default: off.
   */
  principal?: PrincipalResolver;
  /**
   * A class with class-validator decorators the decoded `Upload-Metadata` must satisfy on creation;
   * failures answer 400 listing the problems. E.g. `class UploadMeta { @IsString() filename!: string }`.
   */
  metadata?: Type<object>;
  /** ms between two progress events of one upload on `TusService.events$`. Default 1000. */
  progressInterval?: number;
  /**
   * `'inline'` (default): the UploadCompleteHandler is awaited before the last PATCH is answered, and
   * its HttpException becomes the answer. `'background'`: the PATCH is answered at once and the handler
   * runs behind it. Either way it runs at least once: a crash or a failure runs it again.
   */
  completion?: 'inline' | 'background';
  /** ms before a failed completion handler runs again (doubling per failure, up to 1 h). Default 5000. */
  completionRetryDelay?: number;
  /**
   * ms the application's shutdown (`app.enableShutdownHooks()`, `app.close()`) gives running PATCHes and
   * completion handlers to end; then they are cut (their bytes are kept). Default 10 000.
   */
  shutdownTimeout?: number;
  /**
   * Prometheus metrics through `prom-client` (install it): `true` registers them in its default registry,
   * or give `{ registry, prefix }`. Default off (prom-client is then not loaded). See docs/production.md.
   */
  metrics?: boolean | TusMetricsOptions;
}

/** Where the metrics go. */
export interface TusMetricsOptions {
  /** A prom-client `Registry`; default its global `register`. */
  registry?: unknown;
  /** Prefix of every metric name. Default `tus_`. */
  prefix?: string;
}

/** Who is asking, from the framework request (after guards ran). */
export type PrincipalResolver = (request: any) => string | undefined | Promise<string | undefined>;

/** A class for `forRootAsync({ useClass })` / `useExisting`: Nest builds it and asks it for the options. */
export interface TusOptionsFactory {
  createTusOptions(): TusModuleOptions | Promise<TusModuleOptions>;
}

/** Settings that shape the module itself, so they are synchronous even in `forRootAsync`. */
export interface TusModuleExtras {
  /** Controller path of the tus endpoint. Default `files`. */
  path?: string;
  /** Guards run on every tus request except OPTIONS (browser preflights carry no credentials). */
  guards?: Array<Type<CanActivate> | CanActivate>;
  /** Class implementing {@link PreCreateHandler}; Nest instantiates it inside this module. */
  preCreateHandler?: Type<PreCreateHandler>;
  /** Class implementing {@link UploadCompleteHandler}. */
  uploadCompleteHandler?: Type<UploadCompleteHandler>;
  /** Class implementing {@link PreTerminateHandler}: may refuse a DELETE. */
  preTerminateHandler?: Type<PreTerminateHandler>;
  /**
   * Name of this registration, for several endpoints in one app: inject its service with
   * `@InjectTusService(name)` (token `getTusServiceToken(name)`).
   */
  name?: string;
  /** Modules whose providers the handlers and guards inject (for `forRoot`; `forRootAsync` has its own). */
  imports?: Array<Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Make `TusService` injectable everywhere. Default false. */
  isGlobal?: boolean;
}

/** Options after defaults, as the service uses them. */
type Unset = 'store' | 'locker' | 'maxSize' | 'cors' | 'principal' | 'metadata' | 'metrics';
export type ResolvedTusOptions = Required<Omit<TusModuleOptions, Unset>> &
  Pick<TusModuleOptions, Exclude<Unset, 'cors'>> & { cors: Required<TusCorsOptions> | false };

const DEFAULTS = {
  directory: './uploads',
  maxMetadataSize: 8192,
  maxConcatParts: 100,
  relativeLocation: false,
  trustProxy: [] as string[],
  expireIncompleteAfter: 24 * 60 * 60 * 1000,
  completedRetention: 0,
  cleanupInterval: 60 * 60 * 1000,
  tombstoneRetention: 7 * 24 * 60 * 60 * 1000,
  fsync: false,
  idleTimeout: 60_000,
  minDataRate: { bytes: 1024, interval: 60_000 } as DataRate | false,
  lockTimeout: 10_000,
  disableRequestTimeout: true,
  progressInterval: 1000,
  completion: 'inline' as const,
  completionRetryDelay: 5000,
  download: true,
  downloadIncomplete: false,
  shutdownTimeout: 10_000,
};

const CORS_DEFAULTS: Required<TusCorsOptions> = {
  origins: '*',
  credentials: false,
  allowedHeaders: [],
  exposedHeaders: [],
  maxAge: 86400,
};

const IsNonNegativeInt = () => [IsInt(), Min(0)];
function apply(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

function IsFunctionOr(kind: 'non-negative integer' | 'store' | 'locker' | 'origins'): PropertyDecorator {
  return ValidateBy({
    name: `isFunctionOr-${kind}`,
    validator: {
      validate: (value: unknown) => {
        switch (kind) {
          case 'non-negative integer':
            return typeof value === 'function' || (Number.isSafeInteger(value) && (value as number) >= 0);
          case 'origins':
            return (
              value === '*' ||
              typeof value === 'function' ||
              (Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0))
            );
          case 'store':
            return hasMethods(value, ['init', 'create', 'lookup', 'append', 'declareLength', 'remove', 'list', 'forget', 'read']);
          case 'locker':
            return hasMethods(value, ['acquire', 'tryAcquire']);
        }
      },
      defaultMessage: buildMessage(
        (each) =>
          kind === 'store' || kind === 'locker'
            ? `${each}$property must implement the ${kind === 'store' ? 'UploadStore' : 'Locker'} interface`
            : kind === 'origins'
              ? `${each}$property must be '*', a list of origins or a function`
              : `${each}$property must be a non-negative integer or a function`,
      ),
    },
  });
}

function isDataRate(value: unknown): boolean {
  if (value === false) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { bytes, interval, ...rest } = value as Record<string, unknown>;
  const positive = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;
  return positive(bytes) && positive(interval) && Object.keys(rest).length === 0;
}

function hasMethods(value: unknown, names: string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function');
}

class CorsSchema implements TusCorsOptions {
  @IsOptional() @IsFunctionOr('origins') origins?: TusCorsOptions['origins'];
  @IsOptional() @IsBoolean() credentials?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) allowedHeaders?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) exposedHeaders?: string[];
  @IsOptional() @apply(IsNonNegativeInt()) maxAge?: number;
}

/** The class-validator schema of {@link TusModuleOptions}; unknown keys are refused (typos). */
class OptionsSchema implements Omit<TusModuleOptions, 'cors'> {
  @IsOptional() @IsString() @IsNotEmpty() directory?: string;
  @IsOptional() @IsFunctionOr('store') store?: UploadStore;
  @IsOptional() @IsFunctionOr('locker') locker?: Locker;
  @IsOptional() @IsFunctionOr('non-negative integer') maxSize?: number | MaxSizeResolver;
  @IsOptional() @IsInt() @Min(1) maxMetadataSize?: number;
  @IsOptional() @IsInt() @Min(1) maxConcatParts?: number;
  @IsOptional() @IsBoolean() relativeLocation?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) trustProxy?: string[];
  @IsOptional() @ValidateBy({ name: 'isCors', validator: { validate: (v) => v === false || (typeof v === 'object' && v !== null), defaultMessage: () => 'cors must be an object or false' } })
  cors?: TusCorsOptions | false;
  @IsOptional() @apply(IsNonNegativeInt()) expireIncompleteAfter?: number;
  @IsOptional() @apply(IsNonNegativeInt()) completedRetention?: number;
  @IsOptional() @apply(IsNonNegativeInt()) cleanupInterval?: number;
  @IsOptional() @apply(IsNonNegativeInt()) tombstoneRetention?: number;
  @IsOptional() @IsBoolean() fsync?: boolean;
  @IsOptional() @apply(IsNonNegativeInt()) idleTimeout?: number;
  @IsOptional() @ValidateBy({ name: 'isDataRate', validator: { validate: isDataRate, defaultMessage: () => 'minDataRate must be false or { bytes, interval } (positive integers: bytes per interval ms)' } })
  minDataRate?: DataRate | false;
  @IsOptional() @apply(IsNonNegativeInt()) lockTimeout?: number;
  @IsOptional() @IsBoolean() disableRequestTimeout?: boolean;
  @IsOptional() @IsBoolean() download?: boolean;
  @IsOptional() @IsBoolean() downloadIncomplete?: boolean;
  @IsOptional() @ValidateBy({ name: 'isFunction', validator: { validate: (v) => typeof v === 'function', defaultMessage: () => 'principal must be a function of the request' } })
  principal?: PrincipalResolver;
  @IsOptional() @ValidateBy({ name: 'isClass', validator: { validate: (v) => typeof v === 'function', defaultMessage: () => 'metadata must be a class with class-validator decorators' } })
  metadata?: Type<object>;
  @IsOptional() @apply(IsNonNegativeInt()) progressInterval?: number;
  @IsOptional() @IsIn(['inline', 'background']) completion?: 'inline' | 'background';
  @IsOptional() @IsInt() @Min(1) completionRetryDelay?: number;
  @IsOptional() @apply(IsNonNegativeInt()) shutdownTimeout?: number;
  @IsOptional() @ValidateBy({ name: 'isMetrics', validator: { validate: (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null), defaultMessage: () => 'metrics must be true, false or { registry, prefix }' } })
  metrics?: boolean | TusMetricsOptions;
}

/**
 * Validates options at start-up and fills in defaults. A bad option fails the application's
 * bootstrap with one message per offending option, naming it.
 */
export function resolveTusOptions(options: TusModuleOptions = {}): ResolvedTusOptions {
  const problems = check(OptionsSchema, options, '');
  if (options.cors && typeof options.cors === 'object') problems.push(...check(CorsSchema, options.cors, 'cors.'));
  for (const address of options.trustProxy ?? []) {
    if (!isTrustProxyEntry(address)) problems.push(`trustProxy: "${address}" is not an IP address, a CIDR range or 'loopback'`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid TusModule options:\n  - ${problems.join('\n  - ')}`);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return {
    ...DEFAULTS,
    ...defined,
    cors: options.cors === false ? false : { ...CORS_DEFAULTS, ...options.cors },
  } as ResolvedTusOptions;
}

function check(schema: new () => object, value: object, prefix: string): string[] {
  const instance = Object.assign(new schema(), value);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return errors.map((e) => describe(e, prefix));
}

function describe(error: ValidationError, prefix: string): string {
  const name = `${prefix}${error.property}`;
  if (error.constraints?.whitelistValidation) return `${name}: unknown option (check the spelling)`;
  const reasons = Object.values(error.constraints ?? {}).map((m) => m.replace(error.property, name));
  return `${name}: ${reasons.join('; ')} (got ${preview(error.value)})`;
}

function preview(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
