import type { Locker } from '../../locking/locker.js';
import { isValidUploadId } from '../../storage/upload-id.js';
import type { StoredUpload, UploadStore } from '../../storage/upload-store.js';
import { withCapability } from '../../storage/store-capabilities.js';
import { TusError, badRequest } from '../tus-error.js';

/** A parsed `Upload-Concat` request header. */
export type ConcatRequest = { kind: 'partial' } | { kind: 'final'; header: string; urls: string[] };

/** `partial`, or `final;<url> <url> …` (URLs absolute or relative, in order). Anything else is a 400. */
export function parseUploadConcat(raw: string | string[] | undefined): ConcatRequest | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (value === 'partial') return { kind: 'partial' };
  if (value.startsWith('final;')) {
    const urls = value.slice('final;'.length).trim().split(/ +/).filter(Boolean);
    if (urls.length > 0) return { kind: 'final', header: value, urls };
  }
  throw badRequest('ERR_INVALID_CONCAT', 'Upload-Concat must be "partial" or "final;" followed by the partial upload URLs, separated by spaces');
}

/**
 * The id a partial upload URL names. It must point into this endpoint: its path, less the id, must
 * end with the endpoint's collection path (a proxy may add a public prefix, and the host is not
 * compared because a proxied public host legitimately differs). Anything else is refused (400): a part is never fetched from another server.
 */
export function partIdFromUrl(url: string, collectionUrl: string): string {
  const base = new URL(collectionUrl, 'http://collection.invalid');
  let resolved: URL;
  try {
    resolved = new URL(url, base.href + '/');
  } catch {
    throw badRequest('ERR_INVALID_CONCAT', `"${url}" in Upload-Concat is not a URL`);
  }
  const path = resolved.pathname;
  const cut = path.lastIndexOf('/');
  let id: string;
  try {
    id = decodeURIComponent(path.slice(cut + 1));
  } catch {
    id = '';
  }
  if (!path.slice(0, cut).endsWith(base.pathname) || !isValidUploadId(id) || resolved.search !== '') {
    throw badRequest('ERR_INVALID_CONCAT', `"${url}" in Upload-Concat is not an upload of this endpoint (${base.pathname})`);
  }
  return id;
}

/** What HEAD may say about a final that is not assembled yet. */
export interface PendingFinal {
  /** Known once every part's length is. */
  length?: number;
  /** Set when a part no longer exists: the final can never be completed. */
  brokenBy?: string;
}

/**
 * Finals of concatenation-unfinished: created before all their parts were complete, assembled by
 * whichever request completes the last part. Assembly is idempotent and runs under the final's lock,
 * so two parts completing at once assemble it once.
 */
export class FinalAssembler {
  constructor(
    private readonly store: UploadStore,
    private readonly locker: Locker,
    private readonly lockTimeout: number,
    private readonly hooks: {
      /** Runs under the final's lock right before its assembly (records the completion it will owe). */
      beforeAssembly: (final: StoredUpload) => Promise<void>;
      /** Runs once for each final that got assembled (the completion hook). */
      assembled: (final: StoredUpload, context: unknown) => Promise<void>;
    },
  ) {}

  /** The parts of a final about to be created: they must exist and be partial uploads. */
  async loadParts(ids: string[], urls: string[], visible: (owned: { owner?: string }) => boolean): Promise<StoredUpload[]> {
    const parts: StoredUpload[] = [];
    for (const [i, id] of ids.entries()) {
      const found = await this.store.lookup(id);
      // Another principal's partial (or its tombstone) is reported exactly like one that does not exist.
      if (found.state === 'missing' || !visible(found.state === 'active' ? found.upload : found)) {
        throw badRequest('ERR_INVALID_CONCAT', `partial upload ${urls[i]} does not exist`);
      }
      if (found.state === 'gone') throw badRequest('ERR_INVALID_CONCAT', `partial upload ${urls[i]} was ${found.reason}`);
      if (found.upload.concat?.kind !== 'partial') {
        throw badRequest('ERR_INVALID_CONCAT', `${urls[i]} is not a partial upload; create parts with Upload-Concat: partial`);
      }
      parts.push(found.upload);
    }
    return parts;
  }

  async describe(final: StoredUpload): Promise<PendingFinal> {
    const parts = await this.currentParts(final);
    const gone = parts.findIndex((p) => p === undefined);
    if (gone >= 0) return { brokenBy: final.concat?.kind === 'final' ? final.concat.parts[gone] : undefined };
    return { length: sumOfLengths(parts as StoredUpload[]) };
  }

  /** A partial just completed: assemble every final that waited for it and is now whole. */
  async partCompleted(part: StoredUpload, context: unknown): Promise<void> {
    if (part.concat?.kind !== 'partial') return;
    // Read the finals afresh: one may have been linked while this part's last bytes were written,
    // after the record in hand was loaded (its own assembly attempt may have seen the part incomplete).
    const current = await this.store.lookup(part.id);
    const concat = current.state === 'active' ? current.upload.concat : part.concat;
    if (concat?.kind !== 'partial') return;
    for (const finalId of concat.finals ?? []) await this.tryAssemble(finalId, context);
  }

  /** Assembles the final if all its parts are complete and it is not assembled yet. */
  async tryAssemble(finalId: string, context: unknown): Promise<StoredUpload | undefined> {
    const lock = await this.locker.acquire(finalId, () => undefined, this.lockTimeout);
    let assembled: StoredUpload | undefined;
    try {
      const found = await this.store.lookup(finalId);
      if (found.state !== 'active' || found.upload.concat?.kind !== 'final' || found.upload.concat.assembled) return undefined;
      const parts = await this.currentParts(found.upload);
      if (!parts.every((p) => p !== undefined && p.length !== undefined && p.offset === p.length)) return undefined;
      const whole = parts as StoredUpload[];
      const length = found.upload.length ?? sumOfLengths(whole)!;
      if (found.upload.length === undefined) await withCapability(this.store, 'concatenation').declareLength(finalId, length);
      await this.hooks.beforeAssembly({ ...found.upload, length });
      assembled = await withCapability(this.store, 'concatenation').concatenate(finalId, whole);
    } finally {
      await lock.release();
    }
    await this.hooks.assembled(assembled, context);
    return assembled;
  }

  /**
   * The longest final still waiting for `part` if the part had `length` bytes: the bound a length
   * declared late must respect (parts of unknown length count their bytes so far).
   */
  async largestWaitingFinal(part: StoredUpload, length: number): Promise<number> {
    let largest = 0;
    for (const finalId of (part.concat?.kind === 'partial' && part.concat.finals) || []) {
      const found = await this.store.lookup(finalId);
      if (found.state !== 'active' || found.upload.concat?.kind !== 'final' || found.upload.concat.assembled) continue;
      const parts = await this.currentParts(found.upload);
      largest = Math.max(largest, leastLength(parts.map((p) => (p?.id === part.id ? { ...p, length } : p))));
    }
    return largest;
  }

  private async currentParts(final: StoredUpload): Promise<Array<StoredUpload | undefined>> {
    if (final.concat?.kind !== 'final') return [];
    const parts: Array<StoredUpload | undefined> = [];
    for (const id of final.concat.parts) {
      const found = await this.store.lookup(id);
      parts.push(found.state === 'active' ? found.upload : undefined);
    }
    return parts;
  }
}

/** The final's length: the sum of its parts', once every one is known. */
export function sumOfLengths(parts: StoredUpload[]): number | undefined {
  let total = 0;
  for (const part of parts) {
    if (part.length === undefined) return undefined;
    total += part.length;
  }
  return total;
}

/** The fewest bytes these parts make (a part of unknown length counts its bytes so far, a missing one none). */
export function leastLength(parts: Array<StoredUpload | undefined>): number {
  let total = 0;
  for (const part of parts) total += part ? (part.length ?? part.offset) : 0;
  return total;
}

export function finalNotWritable(): TusError {
  return new TusError(403, 'ERR_MODIFY_FINAL', 'a final (concatenated) upload cannot be written; its bytes come from its partial uploads');
}
