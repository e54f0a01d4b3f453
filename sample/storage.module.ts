import { Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import { RedisLocker, S3Store } from '../src/index.js';
import { MAX_UPLOAD_SIZE, type SampleConfig } from './sample.config.js';

/**
 * Where the uploads are kept and how they are locked, as the environment says (sample.config.ts): an
 * S3Store when S3_BUCKET is set (otherwise the tus module's file store in UPLOAD_DIR), a RedisLocker on
 * its own connection when REDIS_URL is set (otherwise in-memory locks). What it opens it closes, once the
 * HTTP server has stopped.
 */
@Injectable()
export class UploadStorage implements OnModuleInit, OnApplicationShutdown {
  readonly store?: S3Store;
  readonly locker?: RedisLocker;
  /** For the start-up log line, e.g. `file store ./uploads, in-memory locks`. */
  readonly summary: string;
  private readonly redis?: Redis;

  constructor(config: ConfigService) {
    const { s3, redisUrl, uploadDir } = config.getOrThrow<SampleConfig>('sample');
    if (s3) this.store = new S3Store({ ...s3, maxUploadSize: MAX_UPLOAD_SIZE });
    if (redisUrl) {
      this.redis = new Redis(redisUrl);
      this.locker = new RedisLocker({ client: this.redis });
    }
    const where = s3 ? `S3 bucket ${s3.bucket} at ${s3.clientConfig?.endpoint ?? `AWS ${s3.clientConfig?.region}`}` : `file store ${uploadDir}`;
    this.summary = `${where}, ${redisUrl ? 'Redis locks' : 'in-memory locks'}`;
  }

  async onModuleInit(): Promise<void> {
    // The store checks its bucket when the tus module starts; Redis is checked here, so that neither
    // fails only with the first upload.
    await this.redis?.ping().catch((error: Error) => {
      this.redis?.disconnect();
      throw new Error(`REDIS_URL: Redis does not answer (${error.message})`, { cause: error });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.locker?.close(); // its subscriber connection; the client is ours
    await this.redis?.quit();
    this.store?.destroy(); // the S3 client it built
  }
}

@Module({ providers: [UploadStorage], exports: [UploadStorage] })
export class StorageModule {}
