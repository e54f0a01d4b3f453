import type { Locker } from '../locking/locker.js';
import type { ByteSpan, StoredUpload, UploadStore } from '../storage/upload-store.js';
import type { Readable } from 'node:stream';
import type { EmitEvent } from './tus-events.js';
import { toUploadRecord, type EngineHooks } from './upload-record.js';

export interface CompletionSettings {
  /** Answer the last PATCH at once and run the handler behind it (same guarantees). */
  background: boolean;
  /** First retry delay in ms; doubles per failure, up to an hour. */
  retryDelay: number;
}

const MAX_RETRY_DELAY = 60 * 60 * 1000;

/**
 * Runs the UploadCompleteHandler at least once per completed upload. The store records the pending
 * completion before the handler runs and clears it only after the handler succeeded, so a crash or a
 * failure (other than a deliberate HttpException, which is an answer, not a fault) leaves the record
 * behind: `resume()` runs it again at start-up and on a schedule with exponential backoff. A lock per
 * upload keeps two runs (two requests, two instances, a retry and a request) from overlapping.
 */
export class CompletionRunner {
  constructor(
    private readonly store: UploadStore,
    private readonly locker: Locker,
    private readonly hooks: EngineHooks,
    private readonly emit: EmitEvent,
    private readonly read: (upload: StoredUpload, range?: ByteSpan) => Promise<Readable>,
    private readonly settings: CompletionSettings,
  ) {}

  /** The upload just got its last byte: record the duty, then do it (now, or behind the answer). */
  async completed(upload: StoredUpload, request: unknown, params: Record<string, string>): Promise<void> {
    if (!this.hooks.uploadComplete) {
      this.emit({ type: 'completed', upload: toUploadRecord(upload) });
      return;
    }
    await this.store.setPendingCompletion(upload.id, { attempts: 0, notBefore: 0, params });
    if (this.settings.background) {
      setImmediate(() => void this.run(upload, request, params, 0).catch(() => undefined));
      return;
    }
    await this.run(upload, request, params, 0);
  }

  /** Runs the pending completions that are due (after a crash, or failed ones whose backoff passed). */
  async resume(now = Date.now()): Promise<number> {
    let ran = 0;
    for await (const pending of this.store.listPendingCompletions()) {
      if (pending.notBefore > now) continue;
      const found = await this.store.lookup(pending.id);
      if (found.state !== 'active') {
        await this.store.clearPendingCompletion(pending.id);
        continue;
      }
      ran++;
      // A retry has no request: the handler sees `request` undefined (the params are kept).
      await this.run(found.upload, undefined, pending.params, pending.attempts).catch(() => undefined);
    }
    return ran;
  }

  private async run(upload: StoredUpload, request: unknown, params: Record<string, string>, attempts: number): Promise<void> {
    const lock = await this.locker.tryAcquire(`completion:${upload.id}`);
    if (!lock) return; // already running elsewhere: that run owns the outcome
    const record = toUploadRecord(upload);
    try {
      await this.hooks.uploadComplete!(record, { request, params, read: (range) => this.read(upload, range) });
      await this.store.clearPendingCompletion(upload.id);
      this.emit({ type: 'completed', upload: record });
    } catch (error) {
      const deliberate = typeof (error as { getStatus?: unknown })?.getStatus === 'function';
      const reason = `UploadCompleteHandler: ${(error as Error)?.message ?? String(error)}`;
      if (deliberate) {
        // An HttpException is the handler's answer about this upload, not a fault to retry.
        await this.store.clearPendingCompletion(upload.id);
      } else {
        const delay = Math.min(this.settings.retryDelay * 2 ** attempts, MAX_RETRY_DELAY);
        await this.store.setPendingCompletion(upload.id, { attempts: attempts + 1, notBefore: Date.now() + delay, params, lastError: reason });
      }
      this.emit({ type: 'failed', id: upload.id, status: deliberate ? (error as { getStatus(): number }).getStatus() : 500, reason });
      throw error;
    } finally {
      await lock.release();
    }
  }
}
