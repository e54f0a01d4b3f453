import type { Locker } from '../locking/locker.js';
import type { ByteSpan, PendingCompletion, StoredUpload, UploadStore } from '../storage/upload-store.js';
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
 * upload keeps two runs (two requests, two instances, a retry and a request) from overlapping, and a
 * retry reads the record again under that lock: a run that finished (or failed and was put off) since
 * the listing is not repeated.
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
    // The lock first, then the record: a scan that lists the fresh record finds the lock held and leaves
    // this run (and its answer to the PATCH) alone.
    const lock = await this.locker.tryAcquire(`completion:${upload.id}`);
    try {
      await this.store.setPendingCompletion(upload.id, { attempts: 0, notBefore: 0, params });
    } catch (error) {
      await lock?.release();
      throw error;
    }
    if (!lock) return; // held elsewhere (not expected for a fresh completion): the record makes a scan run it
    const run = () => this.invoke(upload, request, params, 0).finally(() => lock.release());
    if (this.settings.background) {
      setImmediate(() => void run().catch(() => undefined));
      return;
    }
    await run();
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
      // A retry has no request: the handler sees `request` undefined (the params are kept). A run that
      // failed counts too: it has rescheduled itself.
      if (await this.run(found.upload, now).catch(() => true)) ran++;
    }
    return ran;
  }

  /**
   * Runs a retry under the upload's completion lock; false when it did not run. The listing it came from
   * may be stale by now, so the record is read again under the lock, and the run happens only while it
   * is still pending and due, with its current attempts and params.
   */
  private async run(upload: StoredUpload, dueBy: number): Promise<boolean> {
    const lock = await this.locker.tryAcquire(`completion:${upload.id}`);
    if (!lock) return false; // already running elsewhere: that run owns the outcome
    try {
      const current = await this.pendingOf(upload.id);
      if (!current || current.notBefore > dueBy) return false; // done meanwhile, or put off by a failed run
      await this.invoke(upload, undefined, current.params, current.attempts);
      return true;
    } finally {
      await lock.release();
    }
  }

  /** The pending completion of `id` as stored now (a store without the lookup is listed). */
  private async pendingOf(id: string): Promise<PendingCompletion | undefined> {
    if (this.store.getPendingCompletion) return this.store.getPendingCompletion(id);
    for await (const pending of this.store.listPendingCompletions()) if (pending.id === id) return pending;
    return undefined;
  }

  private async invoke(upload: StoredUpload, request: unknown, params: Record<string, string>, attempts: number): Promise<void> {
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
    }
  }
}
