import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TusHealthIndicator } from '../src/health/index.js';
import { TusModule } from '../src/index.js';
import { HealthController } from './operations/health.controller.js';
import { MetricsController } from './operations/metrics.controller.js';
import { MAX_UPLOAD_SIZE, sampleConfig, type SampleConfig } from './sample.config.js';
import { StorageModule, UploadStorage } from './storage.module.js';
import { CheckMetadataHandler } from './uploads/check-metadata.handler.js';
import { ProgressLogger } from './uploads/progress.logger.js';
import { RecordUploadHandler } from './uploads/record-upload.handler.js';
import { TokenGuard, type AuthenticatedRequest } from './uploads/token.guard.js';
import { UploadEntity } from './uploads/upload.entity.js';
import { UploadMetadataDto } from './uploads/upload-metadata.dto.js';
import { UploadsController } from './uploads/uploads.controller.js';
import { UploadsModule } from './uploads/uploads.module.js';
import { PageController } from './page/page.controller.js';

@Module({
  imports: [
    // Settings from environment variables (sample.config.ts lists them), read when the app is created.
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [sampleConfig] }),
    // An embedded SQLite database (sql.js: no native build), kept in the upload directory.
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const { uploadDir } = config.getOrThrow<SampleConfig>('sample');
        mkdirSync(uploadDir, { recursive: true }); // TypeORM does not create the database's directory
        return { type: 'sqljs', location: join(uploadDir, '.sample.sqlite'), autoSave: true, entities: [UploadEntity], synchronize: true };
      },
    }),
    UploadsModule,
    TerminusModule.forRoot(),
    TusModule.forRootAsync({
      imports: [StorageModule, UploadsModule], // for the factory, and for the handlers (UploadsModule's repository)
      inject: [ConfigService, UploadStorage],
      useFactory: (config: ConfigService, storage: UploadStorage) => {
        const { uploadDir, trustProxy } = config.getOrThrow<SampleConfig>('sample');
        return {
          directory: uploadDir,
          store: storage.store, // an S3Store with S3_BUCKET, else the file store in `directory`
          locker: storage.locker, // a RedisLocker with REDIS_URL, else in-memory
          trustProxy,
          maxSize: MAX_UPLOAD_SIZE,
          principal: (request: AuthenticatedRequest) => request.user.id,
          metadata: UploadMetadataDto,
          metrics: true, // in prom-client's default registry, served at GET /metrics
        };
      },
      path: 'files',
      guards: [TokenGuard],
      preCreateHandler: CheckMetadataHandler,
      uploadCompleteHandler: RecordUploadHandler,
    }),
  ],
  // GET /uploads, GET /metrics, GET /health, GET / (the Uppy page)
  controllers: [UploadsController, MetricsController, HealthController, PageController],
  providers: [ProgressLogger, TusHealthIndicator],
})
export class AppModule {}
