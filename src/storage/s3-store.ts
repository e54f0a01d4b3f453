import { Readable } from 'node:stream';
import { assembleFinal } from './s3/assemble.js';
import { contentTypeOf, isTombstone, KeyLayout, offsetOf, toStoredUpload, type InfoDocument, type StoredDocument, type TombstoneDocument } from './s3/layout.js';
import { checkLimits, GiB, MiB, type PartLimits } from './s3/part-plan.js';
import { mapLimit, S3Api, type S3ClientLike, type S3ClientSettings } from './s3/s3-api.js';
import { PartBuffer } from './s3/part-buffer.js';
import { StagedChunk } from './s3/staged-chunk.js';
import type { StoreContext } from './s3/store-context.js';
import { UploadWriter } from './s3/upload-writer.js';
import { isValidFolder, isValidUploadId } from './upload-id.js';
import {
  UploadExistsError,
  type AppendOptions,
  type ByteSpan,
  type CreateOptions,
  type GoneReason,
  type NewUpload,
  type PendingCompletion,
  type StoreEntry,
  type StoreHealth,
  type StoredUpload,
  type UploadLookup,
  type UploadStore,
} from './upload-store.js';

export type { S3ClientLike, S3ClientSettings } from './s3/s3-api.js';

export interface S3StoreOptions {
  /** The bucket; it must exist unless `createBucket` is set. */
  bucket: string;
  /** An `S3Client` of your own (set its checksum options as docs/s3.md says); otherwise one is built from `clientConfig`. */
  client?: S3ClientLike;
  /** Settings for the client the store builds: region, endpoint, credentials, … */
  clientConfig?: S3ClientSettings;
  /** Prepended to every key, e.g. `'uploads/'`. Default `''`. */
  prefix?: string;
  /** Preferred part size, and so the memory one running upload may buffer. Default 8 MiB. */
  partSize?: number;
  /** Smallest part but the last. Default 5 MiB (S3). */
  minPartSize?: number;
  /** Largest part. Default 5 GiB (S3). */
  maxPartSize?: number;
  /** Most parts in a multipart upload. Default 10,000 (S3). */
  maxParts?: number;
  /**
   * The largest upload the store must hold, deferred lengths included: set it to your `maxSize`
   * (Tus-Max-Size) so deferred-length uploads start with small parts. Default 5 TiB (S3's object limit).
   */
  maxUploadSize?: number;
  /** Every part but the last has the same size, as Cloudflare R2 requires. Default false. */
  equalParts?: boolean;
  /** Create the bucket at start-up when it does not exist. Default false. */
  createBucket?: boolean;
}

/**
 * The upload store on S3 or an S3-compatible service (`@aws-sdk/client-s3`, loaded on first use).
 * Each upload is one multipart upload; its info, progress and tombstone live in `<prefix><id>.info`
 * beside it. Nothing is kept in process memory between calls and nothing is written to local disk:
 * every instance reads the same offset, which is always what is durably in the bucket. docs/s3.md
 * has the key layout and the settings per provider.
 */
export class S3Store implements UploadStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly limits: Readonly<PartLimits>;
  private readonly keys: KeyLayout;
  private connecting: Promise<S3Api> | undefined;
  /** What `lookup` read, by the upload it returned: an append under the same lock reuses it (one GET less per PATCH). */
  private readonly lookedUp = new WeakMap<StoredUpload, InfoDocument>();
  /** The checkpoint of each append running in this process (a checksummed one has none: its bytes count only once verified). */
  private readonly running = new Map<string, () => Promise<void>>();

  constructor(private readonly options: S3StoreOptions) {
    if (typeof options?.bucket !== 'string' || options.bucket.length === 0) throw new Error('S3Store: the bucket option is required');
    const prefix = options.prefix ?? '';
    if (!isValidPrefix(prefix)) {
      throw new Error(`S3Store: invalid prefix ${JSON.stringify(prefix)}`);
    }
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.keys = new KeyLayout(prefix);
    const limits: PartLimits = {
      partSize: options.partSize ?? 8 * MiB,
      minPartSize: options.minPartSize ?? 5 * MiB,
      maxPartSize: options.maxPartSize ?? 5 * GiB,
      maxParts: options.maxParts ?? 10_000,
      maxUploadSize: options.maxUploadSize ?? 5 * 1024 * GiB,
      equalParts: options.equalParts ?? false,
    };
    checkLimits(limits);
    this.limits = limits;
  }

  async init(): Promise<void> {
    const api = await this.connection();
    await api.ensureBucket(this.options.createBucket ?? false);
  }

  /** The bucket answers (a HEAD of it), whatever `createBucket` says. */
  async checkHealth(): Promise<StoreHealth> {
    await (await this.connection()).ensureBucket(false);
    return {};
  }

  /** Closes the client the store built (not one passed in). */
  destroy(): void {
    void this.connecting?.then((api) => api.destroy(), () => undefined);
  }

  async create(upload: NewUpload, options: CreateOptions = {}): Promise<StoredUpload> {
    if (!isValidUploadId(upload.id)) throw new Error(`invalid upload id ${JSON.stringify(upload.id)}`);
    if (upload.folder !== undefined && !isValidFolder(upload.folder)) throw new Error(`invalid upload folder ${JSON.stringify(upload.folder)}`);
    if (upload.length !== undefined && upload.length > this.limits.maxUploadSize) {
      throw new Error(`S3Store: an upload of ${upload.length} bytes is over maxUploadSize (${this.limits.maxUploadSize}); raise it to match maxSize`);
    }
    const api = await this.connection();
    // Checked, then written: two creations of the same id at the same instant could both pass (S3
    // compatibles lack a common create-if-absent). Generated ids are 128 random bits and not checked; a
    // PreCreateHandler choosing ids must not hand out one id twice at once.
    if (!options.generatedId && (await api.sizeOf(this.keys.info(upload.id))) !== undefined) throw new UploadExistsError(upload.id);
    const { concat, ...rest } = upload;
    const doc: InfoDocument = { ...rest, progress: { parts: 0, partBytes: 0, pieceSeq: 0, updatedAt: upload.createdAt } };
    if (concat) doc.concat = concat.kind === 'final' ? { kind: 'final', parts: concat.parts, header: concat.header } : { kind: 'partial' };
    if (upload.length === 0 && concat?.kind !== 'final') {
      // Complete from the start: the (empty) object exists before anyone may read it.
      await api.putBytes(this.keys.object(upload.id, upload.folder), Buffer.alloc(0), contentTypeOf(upload.metadata));
      doc.progress.done = true;
    }
    await api.putJson(this.keys.info(upload.id), doc);
    return toStoredUpload(doc);
  }

  async lookup(id: string): Promise<UploadLookup> {
    const doc = await this.readDocument(id);
    if (!doc) return { state: 'missing' };
    if (isTombstone(doc)) return { state: 'gone', reason: doc.gone, owner: doc.owner };
    const upload = await this.toUpload(doc);
    this.lookedUp.set(upload, doc);
    return { state: 'active', upload };
  }

  async append(id: string, offset: number, body: AsyncIterable<Buffer[]>, options: AppendOptions = {}): Promise<number> {
    const context = await this.context();
    const doc = this.takeLookedUp(id, options.upload) ?? (await this.readActive(id));
    if (doc.concat?.kind === 'final') throw new Error(`upload ${id} is a final upload; its bytes come from its parts`);
    if (offsetOf(doc) !== offset) throw new Error(`upload ${id} is at offset ${offsetOf(doc)}, not ${offset}`);
    // One part-sized buffer per upload: a staged chunk fills the writer's.
    const buffer = new PartBuffer();
    const writer = new UploadWriter(context, doc, buffer);
    if (!options.verify) {
      // A checkpoint (offset retrieval) runs between two steps of the writer, never inside one.
      let turn: Promise<unknown> = Promise.resolve();
      const serial = <T>(step: () => Promise<T>): Promise<T> => {
        const next = turn.then(step);
        turn = next.catch(() => undefined);
        return next;
      };
      const checkpoint = () => serial(() => writer.checkpoint());
      this.running.set(id, checkpoint);
      try {
        for await (const batch of body) await serial(() => writer.write(batch));
        await serial(() => writer.settle(options.bodyComplete?.() === false));
      } catch (error) {
        await serial(() => writer.drain());
        throw error;
      } finally {
        if (this.running.get(id) === checkpoint) this.running.delete(id);
      }
      return writer.offset;
    }
    const staged = new StagedChunk(context, writer, buffer);
    try {
      for await (const batch of body) await staged.write(batch);
      await staged.end();
    } catch (error) {
      await staged.discard();
      throw error;
    }
    if (!(await options.verify())) {
      await staged.discard();
      return offset;
    }
    try {
      await staged.commit();
    } catch (error) {
      await writer.drain();
      throw error;
    }
    return writer.offset;
  }

  /**
   * A running append's bytes still in memory (up to a part) become the pending piece, and its uploaded
   * parts are committed: one PUT of at most `partSize` per HEAD during a PATCH, none when nothing is new.
   * Chosen over letting a newer PATCH discard all that was not committed: what arrived before the HEAD
   * is kept, so the client does not send it again (docs/s3-offsets.md).
   */
  async checkpoint(id: string): Promise<void> {
    await this.running.get(id)?.();
  }

  async declareLength(id: string, length: number): Promise<void> {
    const doc = await this.readActive(id);
    doc.length = length;
    if (doc.concat?.kind !== 'final' && !doc.progress.done && offsetOf(doc) === length) {
      // Every byte was already here (a deferred length declared last): the object is completed now.
      await new UploadWriter(await this.context(), doc).settle();
      return;
    }
    await (await this.connection()).putJson(this.keys.info(id), doc);
  }

  async concatenate(id: string, parts: StoredUpload[]): Promise<StoredUpload> {
    const doc = await this.readActive(id);
    await assembleFinal(await this.context(), doc, parts);
    return this.toUpload(doc);
  }

  async linkFinal(partialId: string, finalId: string): Promise<void> {
    const doc = await this.readActive(partialId);
    if (doc.concat?.kind !== 'partial') throw new Error(`upload ${partialId} is not a partial upload`);
    // An object per link, not a rewrite of the info: a PATCH on the partial may be committing parts right now.
    await (await this.connection()).putBytes(this.keys.finalLink(partialId, finalId), Buffer.alloc(0));
  }

  async remove(id: string, reason: GoneReason): Promise<void> {
    const api = await this.connection();
    const doc = await this.readDocument(id);
    const tombstone: TombstoneDocument = { id, gone: reason, at: Date.now(), folder: doc?.folder, owner: doc?.owner, uploadId: uploadIdOf(doc) };
    // Tombstone first: if we stop half-way, cleanup finds it, and forget() sweeps again.
    await api.putJson(this.keys.info(id), tombstone);
    await this.purge(id, tombstone.folder, tombstone.uploadId, false);
  }

  async forget(id: string): Promise<void> {
    const doc = await this.readDocument(id);
    await this.purge(id, doc?.folder, uploadIdOf(doc), true);
  }

  /** Aborts the multipart upload (and any orphan of a crash), deletes the object, pieces, staged chunks, links and completion record. */
  private async purge(id: string, folder: string | undefined, uploadId: string | undefined, withInfo: boolean): Promise<void> {
    const api = await this.connection();
    const objectKey = this.keys.object(id, folder);
    const uploadIds = new Set(await api.multipartUploadsOf(objectKey));
    if (uploadId) uploadIds.add(uploadId);
    for (const each of uploadIds) await api.abort(objectKey, each);
    const keys = [objectKey, this.keys.completion(id)];
    const info = this.keys.info(id);
    for await (const page of api.listKeys(this.keys.related(id))) keys.push(...page.filter((key) => key !== info));
    await api.delete(keys);
    if (withInfo) await api.delete([info]);
  }

  async setPendingCompletion(id: string, pending: PendingCompletion): Promise<void> {
    await (await this.connection()).putJson(this.keys.completion(id), pending);
  }

  async clearPendingCompletion(id: string): Promise<void> {
    await (await this.connection()).delete([this.keys.completion(id)]);
  }

  async getPendingCompletion(id: string): Promise<PendingCompletion | undefined> {
    return (await this.connection()).getJson<PendingCompletion>(this.keys.completion(id));
  }

  async *listPendingCompletions(): AsyncIterable<PendingCompletion & { id: string }> {
    const api = await this.connection();
    const prefix = this.keys.completions();
    for await (const page of api.listKeys(prefix)) {
      const ids = page.map((key) => key.slice(prefix.length)).filter((id) => isValidUploadId(id));
      const found = await mapLimit(ids, 8, async (id) => ({ id, pending: await api.getJson<PendingCompletion>(this.keys.completion(id)) }));
      for (const { id, pending } of found) if (pending) yield { ...pending, id };
    }
  }

  async *list(): AsyncIterable<StoreEntry> {
    const api = await this.connection();
    // Info objects sit at the top of the prefix; folders (the bytes) and the completion records are below a "/".
    for await (const page of api.listKeys(this.prefix, '/')) {
      const ids = page.map((key) => this.keys.idOfInfo(key)).filter((id): id is string => id !== undefined);
      const docs = await mapLimit(ids, 8, (id) => this.readDocument(id));
      for (const doc of docs) {
        if (!doc) continue;
        if (isTombstone(doc)) yield { state: 'gone', id: doc.id, reason: doc.gone, at: doc.at };
        else yield { state: 'active', upload: await this.toUpload(doc) };
      }
    }
  }

  async read(id: string, range?: ByteSpan): Promise<Readable> {
    const api = await this.connection();
    const doc = await this.readDocument(id);
    if (!doc || isTombstone(doc)) return Readable.from([]);
    const p = doc.progress;
    if (p.done) return api.getStream(this.keys.object(id, doc.folder), range);
    if (p.parts === 0 && p.piece) return api.getStream(this.keys.piece(id, p.piece.n), range);
    if (p.parts === 0) return Readable.from([]);
    // S3 cannot read the parts of a multipart upload before it is completed.
    throw new Error(`S3Store: upload ${id} is incomplete and its bytes are in an unfinished multipart upload, which S3 cannot read`);
  }

  private connection(): Promise<S3Api> {
    this.connecting ??= S3Api.connect(this.bucket, this.options.client, this.options.clientConfig).catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async context(): Promise<StoreContext> {
    return { api: await this.connection(), keys: this.keys, limits: this.limits };
  }

  private async readDocument(id: string): Promise<StoredDocument | undefined> {
    return (await this.connection()).getJson<StoredDocument>(this.keys.info(id));
  }

  /** The info document a lookup read for `upload` (see AppendOptions.upload), once. */
  private takeLookedUp(id: string, upload: StoredUpload | undefined): InfoDocument | undefined {
    if (!upload) return undefined;
    const doc = this.lookedUp.get(upload);
    this.lookedUp.delete(upload);
    return doc?.id === id ? doc : undefined;
  }

  private async readActive(id: string): Promise<InfoDocument> {
    const doc = await this.readDocument(id);
    if (!doc || isTombstone(doc)) throw new Error(`upload ${id} does not exist`);
    return doc;
  }

  private async toUpload(doc: InfoDocument): Promise<StoredUpload> {
    if (doc.concat?.kind !== 'partial') return toStoredUpload(doc);
    const api = await this.connection();
    const prefix = this.keys.finalLinks(doc.id);
    const finals: string[] = [];
    for await (const page of api.listKeys(prefix)) finals.push(...page.map((key) => key.slice(prefix.length)).filter((id) => isValidUploadId(id)));
    return toStoredUpload(doc, finals);
  }
}

/** Printable, no backslash, no leading slash, no `.` or `..` segment: a key prefix, not a path trick. */
function isValidPrefix(prefix: string): boolean {
  if (prefix.startsWith('/') || prefix.includes('\\') || prefix.split('/').some((s) => s === '.' || s === '..')) return false;
  return [...prefix].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);
}

function uploadIdOf(doc: StoredDocument | undefined): string | undefined {
  if (!doc) return undefined;
  return isTombstone(doc) ? doc.uploadId : doc.progress.uploadId;
}
