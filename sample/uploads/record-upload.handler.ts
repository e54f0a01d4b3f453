import { Injectable, Logger } from '@nestjs/common';
import type { UploadCompleteContext, UploadCompleteHandler, UploadRecord } from '../../src/index.js';
import { UploadRepository } from './upload.repository.js';

/** Records each finished upload in the repository; runs before the last PATCH is answered. */
@Injectable()
export class RecordUploadHandler implements UploadCompleteHandler {
  private readonly logger = new Logger('Uploads');

  constructor(private readonly repository: UploadRepository) {}

  onUploadComplete(upload: UploadRecord, _context: UploadCompleteContext): void {
    const file = {
      id: upload.id,
      filename: upload.metadata.filename ?? upload.id,
      filetype: upload.metadata.filetype ?? 'application/octet-stream',
      size: upload.offset,
      completedAt: upload.updatedAt,
    };
    this.repository.save(file);
    this.logger.log(`stored ${file.filename} (${file.size} bytes) as ${file.id}`);
  }
}
