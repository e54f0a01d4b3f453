import { Module } from '@nestjs/common';
import { UploadRepository } from './upload.repository.js';

@Module({ providers: [UploadRepository], exports: [UploadRepository] })
export class UploadsModule {}
