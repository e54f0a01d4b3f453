import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UploadEntity } from './upload.entity.js';

/** The repository of finished uploads; the tus handlers get it injected through `imports`. */
@Module({ imports: [TypeOrmModule.forFeature([UploadEntity])], exports: [TypeOrmModule] })
export class UploadsModule {}
