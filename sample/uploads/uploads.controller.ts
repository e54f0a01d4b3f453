import { Controller, Get } from '@nestjs/common';
import { UploadRepository, type StoredFile } from './upload.repository.js';

/** Lists what the completion handler recorded: GET /uploads. */
@Controller('uploads')
export class UploadsController {
  constructor(private readonly repository: UploadRepository) {}

  @Get()
  list(): StoredFile[] {
    return this.repository.all();
  }
}
