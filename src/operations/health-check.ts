import type { Locker } from '../locking/locker.js';
import type { UploadStore } from '../storage/upload-store.js';

export interface TusHealthOptions {
  /** A file store with less free space than this is down. Default 100 MiB. */
  minFreeBytes?: number;
  /** ms each probe (store, locker, completions) may take before it counts as failed. Default 3000. */
  timeout?: number;
}

/** What `TusService.checkHealth()` found. */
export interface TusHealthReport {
  /** The store and the locker answer (and the store has room). */
  healthy: boolean;
  /** `up`, `down` (with `error`), or `unchecked` for a store without a health probe. */
  store: { status: 'up' | 'down' | 'unchecked'; freeBytes?: number; error?: string };
  locker: { status: 'up' | 'down' | 'unchecked'; error?: string };
  /** Completed uploads whose UploadCompleteHandler is still owed (undefined when they could not be listed). */
  pendingCompletions?: number;
}

const MiB = 1024 * 1024;

/** Completed uploads whose handler is still owed (a failed run waiting for its retry, or one cut by a crash). */
export async function countPendingCompletions(store: UploadStore): Promise<number> {
  let count = 0;
  for await (const _pending of store.listPendingCompletions()) count++;
  return count;
}

/** Probes the store and the locker and counts owed completions, each within `timeout`. */
export async function checkTusHealth(
  store: UploadStore,
  locker: Locker | undefined,
  countPending: () => Promise<number>,
  options: TusHealthOptions = {},
): Promise<TusHealthReport> {
  const minFree = options.minFreeBytes ?? 100 * MiB;
  const timeout = options.timeout ?? 3000;
  const [storeResult, lockerResult, pending] = await Promise.all([
    store.checkHealth ? settle(store.checkHealth(), timeout) : undefined,
    locker?.checkHealth ? settle(locker.checkHealth(), timeout) : undefined,
    settle(countPending(), timeout),
  ]);
  const report: TusHealthReport = { healthy: true, store: { status: 'unchecked' }, locker: { status: 'unchecked' } };
  if (storeResult && 'error' in storeResult) report.store = { status: 'down', error: `the store does not answer: ${storeResult.error}` };
  else if (storeResult) {
    const { freeBytes } = storeResult.value;
    report.store = { status: 'up', freeBytes };
    if (freeBytes !== undefined && freeBytes < minFree) {
      report.store = { status: 'down', freeBytes, error: `only ${freeBytes} bytes free, below the minimum of ${minFree}` };
    }
  }
  if (lockerResult) report.locker = 'error' in lockerResult ? { status: 'down', error: `the locker does not answer: ${lockerResult.error}` } : { status: 'up' };
  if ('value' in pending) report.pendingCompletions = pending.value;
  report.healthy = report.store.status !== 'down' && report.locker.status !== 'down';
  return report;
}

async function settle<T>(work: Promise<T>, timeout: number): Promise<{ value: T } | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: `no answer within ${timeout} ms` }), timeout);
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), late]);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
