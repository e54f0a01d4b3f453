import type { Locker } from '../../locking/locker.js';
import type { ByteSpan, PendingCompletion, StoredUpload, UploadStore } from '../../storage/upload-store.js';
import type { Readable } from 'node:stream';
import type { EmitEvent } from '../tus-events.js';
import { isComplete } from './expiry-policy.js';
import { toUploadRecord, type EngineHooks } from '../upload-record.js';

export interface CompletionSettings {
  /** Answer the last PATCH at once and run the handler behind it (same guarantees). */
  background: boolean;
  /** First retry delay in ms; doubles per failure, up to an hour. */
  retryDelay: number;
  /**
   * The status of a failure that is the handler's deliberate answer about the upload (the framework's
   * HTTP exception), or undefined for a fault. An answer is not retried; without this every failure is.
   */
  answerStatus?(error: unknown): number | undefined;
}

const MAX_RETRY_DELAY = 60 * 60 * 1000;

/**
 * Runs the UploadCompleteHandler at least once per completed upload. The pending-completion record is
 * written BEFORE the store change that completes the upload ({@link owe}: ahead of its last bytes, a
 * declared length, an assembly), so no observer (HEAD, a restart, another instance) can see the upload
 * complete while nothing records the handler still owed; it is cleared only after the handler
 * succeeded. A crash or a failure (other than a deliberate answer, see
 * {@link CompletionSettings.answerStatus}: it is not a fault) leaves it behind: `resume()` runs it at
 * start-up and on a schedule with exponential backoff.
 * The scan leaves a record alone while a request holds the upload's lock (it may be writing the last
 * bytes, or about to run the handler itself), and drops one whose change never completed the upload (it
 * fell short, failed, or died). A lock per upload keeps two runs (two requests, two instances, a retry and a
 * request) from overlapping, and a retry reads the record again under that lock: a run that finished
 * (or failed and was put off) since the listing is not repeated.
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

  /** Whether completing `upload` owes a handler run (so a record must precede the completing change). */
  owes(upload: StoredUpload): boolean {
    return this.hooks.uploadComplete !== undefined && upload.concat?.kind !== 'partial';
  }

  /**
   * Records the completion a change is about to bring, before the change (under the upload's lock).
   * Nothing is written when no handler is registered.
   */
  async owe(upload: StoredUpload, params: Record<string, string>): Promise<void> {
    if (!this.owes(upload)) return;
    await this.store.setPendingCompletion(upload.id, { attempts: 0, notBefore: 0, params });
  }

  /** The change recorded by {@link owe} did not complete the upload after all (still under its lock). */
  async disown(upload: StoredUpload): Promise<void> {
    if (this.owes(upload)) await this.store.clearPendingCompletion(upload.id);
  }

  /** The upload just got its last byte (its record was written by {@link owe}): run the handler now or behind the answer. */
  async completed(upload: StoredUpload, request: unknown, params: Record<string, string>): Promise<void> {
    if (!this.hooks.uploadComplete) {
      this.emit({ type: 'completed', upload: toUploadRecord(upload) });
      return;
    }
    const lock = await this.locker.tryAcquire(`completion:${upload.id}`);
    if (!lock) return; // a scan is looking at the record this very moment (it defers to us): the record makes a later scan run it
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
      // A retry has no request: the handler sees `request` undefined (the params are kept). A run that
      // failed counts too: it has rescheduled itself.
      if (await this.run(pending.id, now).catch(() => true)) ran++;
    }
    return ran;
  }

  /**
   * Runs a retry under the upload's completion lock; false when it did not run. The listing it came from
   * may be stale by now, so the record is read again under the lock, and the run happens only while it
   * is still pending and due, with its current attempts and params.
   */
  private async run(id: string, dueBy: number): Promise<boolean> {
    const lock = await this.locker.tryAcquire(`completion:${id}`);
    if (!lock) return false; // already running elsewhere: that run owns the outcome
    try {
      const current = await this.pendingOf(id);
      if (!current || current.notBefore > dueBy) return false; // done meanwhile, or put off by a failed run
      const upload = await this.completedUpload(id);
      if (!upload) return false;
      await this.invoke(upload, undefined, current.params, current.attempts);
      return true;
    } finally {
      await lock.release();
    }
  }

  /**
   * The upload of a pending record when it is complete and no request is at work on it. A request
   * holding the upload's lock may be writing the last bytes, or be about to run the handler itself (its
   * inline answer is then the handler's): left to it. With the lock free, a record whose upload is not
   * complete (its change fell short or died, or the upload is gone) is dropped.
   */
  private async completedUpload(id: string): Promise<StoredUpload | undefined> {
    const writer = await this.locker.tryAcquire(id);
    if (!writer) return undefined;
    try {
      const found = await this.store.lookup(id);
      if (found.state === 'active' && isDeliverable(found.upload)) return found.upload;
      await this.store.clearPendingCompletion(id);
      return undefined;
    } finally {
      await writer.release();
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
      const answer = this.settings.answerStatus?.(error);
      const reason = `UploadCompleteHandler: ${(error as Error)?.message ?? String(error)}`;
      if (answer !== undefined) {
        // The handler's answer about this upload, not a fault to retry.
        await this.store.clearPendingCompletion(upload.id);
      } else {
        const delay = Math.min(this.settings.retryDelay * 2 ** attempts, MAX_RETRY_DELAY);
        // Not rescheduled (a full disk): the record as it was stays pending, so the retry comes sooner.
        await this.store.setPendingCompletion(upload.id, { attempts: attempts + 1, notBefore: Date.now() + delay, params, lastError: reason }).catch(() => undefined);
      }
      this.emit({ type: 'failed', id: upload.id, status: answer ?? 500, reason });
      throw error;
    }
  }
}

/** Complete as the handler sees it: every byte stored (a final: assembled), and not a partial, which is never handed over. */
function isDeliverable(upload: StoredUpload): boolean {
  if (upload.concat?.kind === 'partial') return false;
  if (upload.concat?.kind === 'final' && !upload.concat.assembled) return false;
  return isComplete(upload);
}
