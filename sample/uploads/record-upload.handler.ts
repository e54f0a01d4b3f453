import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { UploadCompleteContext, UploadCompleteHandler, UploadRecord } from '../../src/index.js';
import { UploadEntity } from './upload.entity.js';

/**
 * Saves each finished upload in the database. It runs before the last PATCH is answered, and again
 * after a crash or a failure until it succeeds (saving the same id twice just updates the row).
 */
@Injectable()
export class RecordUploadHandler implements UploadCompleteHandler {
  private readonly logger = new Logger('Uploads');

  constructor(@InjectRepository(UploadEntity) private readonly uploads: Repository<UploadEntity>) {}

  async onUploadComplete(upload: UploadRecord, _context: UploadCompleteContext): Promise<void> {
    const row = this.uploads.create({
      id: upload.id,
      filename: upload.metadata.filename ?? upload.id,
      filetype: upload.metadata.filetype ?? 'application/octet-stream',
      size: upload.offset,
      owner: upload.owner ?? 'anonymous',
      path: upload.folder ? `${upload.folder}/${upload.id}` : upload.id,
      completedAt: upload.completedAt ?? new Date(),
      durationMs: upload.durationMs ?? 0,
    });
    await this.uploads.save(row);
    this.logger.log(`saved ${row.filename} (${row.size} bytes) for ${row.owner} as ${row.path}`);
  }
}
