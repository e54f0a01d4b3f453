import { Module } from '@nestjs/common';
import { TusModule } from '../src/index.js';
import { CheckMetadataHandler } from './uploads/check-metadata.handler.js';
import { RecordUploadHandler } from './uploads/record-upload.handler.js';
import { TokenGuard } from './uploads/token.guard.js';
import { UploadsController } from './uploads/uploads.controller.js';
import { UploadsModule } from './uploads/uploads.module.js';

@Module({
  imports: [
    UploadsModule,
    TusModule.forRoot({
      path: 'files',
      directory: process.env.UPLOAD_DIR ?? './uploads',
      maxSize: 10 * 1024 * 1024 * 1024,
      guards: [TokenGuard],
      preCreateHandler: CheckMetadataHandler,
      uploadCompleteHandler: RecordUploadHandler,
      imports: [UploadsModule],
    }),
  ],
  controllers: [UploadsController],
})
export class AppModule {}
