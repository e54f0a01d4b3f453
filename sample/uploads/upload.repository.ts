import { Injectable } from '@nestjs/common';

export interface StoredFile {
  id: string;
  filename: string;
  filetype: string;
  size: number;
  completedAt: Date;
}

/** Stands in for your database repository: the handlers get it injected like any provider. */
@Injectable()
export class UploadRepository {
  private readonly files = new Map<string, StoredFile>();

  save(file: StoredFile): void {
    this.files.set(file.id, file);
  }

  all(): StoredFile[] {
    return [...this.files.values()];
  }
}
