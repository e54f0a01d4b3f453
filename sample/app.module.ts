import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TusModule } from '../src/index.js';
import { CheckMetadataHandler } from './uploads/check-metadata.handler.js';
import { ProgressLogger } from './uploads/progress.logger.js';
import { RecordUploadHandler } from './uploads/record-upload.handler.js';
import { TokenGuard, type AuthenticatedRequest } from './uploads/token.guard.js';
import { UploadEntity } from './uploads/upload.entity.js';
import { UploadMetadataDto } from './uploads/upload-metadata.dto.js';
import { UploadsController } from './uploads/uploads.controller.js';
import { UploadsModule } from './uploads/uploads.module.js';

const uploadDir = process.env.UPLOAD_DIR ?? './uploads';
// The database file lives in the upload directory, which must exist before TypeORM opens it.
mkdirSync(uploadDir, { recursive: true });

@Module({
  imports: [
    // An embedded SQLite database (sql.js: no native build), kept beside the uploads.
    TypeOrmModule.forRoot({
      type: 'sqljs',
      location: join(uploadDir, '.sample.sqlite'),
      autoSave: true,
      entities: [UploadEntity],
      synchronize: true,
    }),
    UploadsModule,
    TusModule.forRoot({
      path: 'files',
      directory: uploadDir,
      maxSize: 10 * 1024 ** 3,
      guards: [TokenGuard],
      principal: (request: AuthenticatedRequest) => request.user.id,
      metadata: UploadMetadataDto,
      preCreateHandler: CheckMetadataHandler,
      uploadCompleteHandler: RecordUploadHandler,
      imports: [UploadsModule],
    }),
  ],
  controllers: [UploadsController],
  providers: [ProgressLogger],
})
export class AppModule {}
