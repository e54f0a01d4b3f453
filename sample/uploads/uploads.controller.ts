import { Controller, Get } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UploadEntity } from './upload.entity.js';

/** GET /uploads: what the completion handler saved. */
@Controller('uploads')
export class UploadsController {
  constructor(@InjectRepository(UploadEntity) private readonly uploads: Repository<UploadEntity>) {}

  @Get()
  list(): Promise<UploadEntity[]> {
    return this.uploads.find({ order: { completedAt: 'ASC' } });
  }
}
