import type { StoredUpload } from '../../storage/upload-store.js';

/**
 * When uploads stop being served. Expiry slides: it counts from the last stored byte, so an upload
 * that is making progress never expires under its client (tus allows a changing Upload-Expires).
 */
export class ExpiryPolicy {
  constructor(
    /** ms without progress before an incomplete upload expires; 0 = never. */
    private readonly incompleteAfter: number,
    /** ms a completed upload is kept after its last byte; 0 = forever. */
    private readonly completedRetention: number,
  ) {}

  get enabled(): boolean {
    return this.incompleteAfter > 0;
  }

  /** Epoch ms at which the upload expires, or undefined when it does not. */
  expiresAt(upload: StoredUpload): number | undefined {
    if (isComplete(upload)) {
      return this.completedRetention > 0 ? upload.updatedAt + this.completedRetention : undefined;
    }
    return this.incompleteAfter > 0 ? upload.updatedAt + this.incompleteAfter : undefined;
  }

  isExpired(upload: StoredUpload, now = Date.now()): boolean {
    const at = this.expiresAt(upload);
    return at !== undefined && at <= now;
  }

  /** The `Upload-Expires` value: only for incomplete uploads: it tells when an unfinished upload can no longer be resumed. */
  header(upload: StoredUpload): string | undefined {
    if (isComplete(upload) || this.incompleteAfter === 0) return undefined;
    return new Date(upload.updatedAt + this.incompleteAfter).toUTCString();
  }
}

/** Complete once the length is known and every byte is stored (tusd's rule). */
export function isComplete(upload: StoredUpload): boolean {
  return upload.length !== undefined && upload.offset === upload.length;
}
