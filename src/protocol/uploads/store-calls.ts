import { LockTimeoutError, type Lock, type Locker } from '../../locking/locker.js';
import { StorageFullError, UploadExistsError, type CreateOptions, type NewUpload, type StoredUpload, type UploadStore } from '../../storage/upload-store.js';
import { TusError, storageFull } from '../tus-error.js';

/**
 * Runs `work` holding the upload's lock; a newer request for the same upload aborts `signal`, and a
 * flush of it (offset retrieval) runs `onFlush`. A lock not had in time is 423.
 */
export async function withUploadLock<T>(
  locker: Locker,
  id: string,
  timeout: number,
  work: (signal: AbortSignal) => Promise<T>,
  onFlush?: () => Promise<void>,
): Promise<T> {
  const interrupt = new AbortController();
  let lock: Lock;
  try {
    lock = await locker.acquire(id, () => interrupt.abort(), timeout, onFlush);
  } catch (error) {
    if (error instanceof LockTimeoutError) throw new TusError(423, 'ERR_UPLOAD_LOCKED', `${error.message}; retry shortly`);
    throw error;
  }
  try {
    return await work(interrupt.signal);
  } finally {
    await lock.release();
  }
}

/** A store call whose running out of space is the client's 507. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StorageFullError) {
      throw storageFull();
    }
    throw error;
  }
}

/** Creates the upload in the store: full storage is 507, an id already taken (a PreCreateHandler's) 409. */
export async function createStored(store: UploadStore, upload: NewUpload, options?: CreateOptions): Promise<StoredUpload> {
  try {
    return await storeCall(() => store.create(upload, options));
  } catch (error) {
    if (error instanceof UploadExistsError) throw new TusError(409, 'ERR_UPLOAD_EXISTS', `an upload with id ${upload.id} already exists`);
    throw error;
  }
}
