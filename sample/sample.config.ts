// The sample's settings, from environment variables read when the application is created. All are optional:
// with none, the sample runs on the file store in ./uploads with in-memory locks.
//
//   variable              default                  what it does
//   PORT                  3000                     the HTTP port (main.ts)
//   UPLOAD_TOKENS         anyone, as `guest`       `alice:s3cret,bob:hunter2`: bearer tokens and their users (token.guard.ts)
//   UPLOAD_DIR            ./uploads                the file store's directory, and the SQLite database's (with S3 too)
//   S3_BUCKET             the file store           keep the uploads in this bucket (S3Store); it must exist
//   S3_ENDPOINT           AWS                      an S3-compatible service, e.g. http://127.0.0.1:8080
//   S3_REGION             us-east-1
//   S3_ACCESS_KEY         the SDK's default chain  with S3_SECRET_KEY; neither: environment, profile or role
//   S3_SECRET_KEY
//   S3_PREFIX             none                     prepended to every key, e.g. `tus/`
//   S3_FORCE_PATH_STYLE   true with S3_ENDPOINT    `true` or `false`: the bucket in the path, not in the host name
//   REDIS_URL             in-memory locks          lock uploads in Redis (RedisLocker), for several instances
//   TRUST_PROXY           none                     comma-separated proxies believed for X-Forwarded-*, e.g. `loopback`
//
// A combination that cannot work (S3_ACCESS_KEY without S3_SECRET_KEY, S3_ENDPOINT without S3_BUCKET, …)
// stops the start with a message saying what to set.
import { registerAs, type ConfigType } from '@nestjs/config';
import type { S3StoreOptions } from '../src/index.js';

/** Tus-Max-Size, and the largest upload the S3Store plans its parts for. */
export const MAX_UPLOAD_SIZE = 10 * 1024 ** 3;

type Env = Record<string, string | undefined>;

function readConfig(env: Env) {
  const problems: string[] = [];
  const s3 = readS3(env, problems);
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) problems.push(`REDIS_URL must be a redis:// or rediss:// URL (got "${redisUrl}")`);
  if (problems.length > 0) throw new Error(`Invalid sample configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    uploadDir: env.UPLOAD_DIR || './uploads',
    s3,
    redisUrl,
    trustProxy: (env.TRUST_PROXY ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
  };
}

function readS3(env: Env, problems: string[]): Pick<S3StoreOptions, 'bucket' | 'prefix' | 'clientConfig'> | undefined {
  const { S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_ACCESS_KEY: accessKeyId, S3_SECRET_KEY: secretAccessKey, S3_FORCE_PATH_STYLE: pathStyle } = env;
  if (!bucket) {
    const stray = ['S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_PREFIX', 'S3_FORCE_PATH_STYLE'].filter((name) => env[name]);
    if (stray.length > 0) problems.push(`${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but S3_BUCKET is not: set S3_BUCKET to keep uploads in S3`);
    return undefined;
  }
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) problems.push(`S3_ENDPOINT must be an http:// or https:// URL (got "${endpoint}")`);
  if (!accessKeyId !== !secretAccessKey) {
    const [set, unset] = accessKeyId ? ['S3_ACCESS_KEY', 'S3_SECRET_KEY'] : ['S3_SECRET_KEY', 'S3_ACCESS_KEY'];
    problems.push(`${set} is set but ${unset} is not: set both, or neither to use the AWS SDK's default credentials`);
  }
  if (pathStyle && pathStyle !== 'true' && pathStyle !== 'false') problems.push(`S3_FORCE_PATH_STYLE must be true or false (got "${pathStyle}")`);
  return {
    bucket,
    prefix: env.S3_PREFIX ?? '',
    // The store's client also gets the checksum settings Swift and RGW need (see "S3-compatible storage").
    clientConfig: {
      region: env.S3_REGION || 'us-east-1',
      ...(endpoint && { endpoint }),
      forcePathStyle: pathStyle ? pathStyle === 'true' : Boolean(endpoint),
      ...(accessKeyId && secretAccessKey && { credentials: { accessKeyId, secretAccessKey } }),
    },
  };
}

/** `ConfigModule.forRoot({ load: [sampleConfig] })`; then `config.getOrThrow<SampleConfig>('sample')`. */
export const sampleConfig = registerAs('sample', () => readConfig(process.env));

export type SampleConfig = ConfigType<typeof sampleConfig>;
