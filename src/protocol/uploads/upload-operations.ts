import type { Readable } from 'node:stream';
import { isValidUploadId } from '../../storage/upload-id.js';
import type { ByteSpan, NewUpload, StoreCapabilities, StoredUpload } from '../../storage/upload-store.js';
import { capabilitiesOf, withCapability } from '../../storage/store-capabilities.js';
import { BodyWriter } from './body-writer.js';
import { CompletionRunner } from './completion-runner.js';
import { FinalAssembler, finalNotWritable, leastLength, partIdFromUrl, sumOfLengths, type ConcatRequest } from './concatenation.js';
import { serveDownload } from './download.js';
import type { TusEngineConfig } from './engine-config.js';
import { removeExpired } from './expiry-cleanup.js';
import { ExpiryPolicy, isComplete } from './expiry-policy.js';
import type { AppendSpec, CreationSpec, UploadState } from './operation-specs.js';
import { contentLength, hasBody } from '../http-semantics/request-body.js';
import { createStored, withUploadLock } from './store-calls.js';
import { TusError, badRequest, gone, notFound, withHeaders } from '../tus-error.js';
import type { TusRequest, TusResponse } from '../tus-request.js';
import { UploadAdmission } from './upload-admission.js';
import type { UploadMetadata } from './upload-metadata.js';
import { toUploadRecord, type UploadRecord } from '../upload-record.js';

/**
 * The upload operations both protocols share: creation, offset retrieval, append, termination and
 * download, with their limits, locks (a newer request interrupts an older one), expiry, ownership,
 * the user's handlers (metadata rules, pre-create decisions, pre-terminate, durable completion) and
 * events. Front ends translate their headers into these calls and the results back into answers, so
 * an upload started with one protocol can be continued with the other, and both get the same
 * extension points. Every check that can refuse a request runs before anything is stored.
 */
export class UploadOperations {
  readonly expiry: ExpiryPolicy;
  readonly finals: FinalAssembler;
  private readonly writer: BodyWriter;
  private readonly completions: CompletionRunner;
  private readonly admission: UploadAdmission;

  /** What the store can do (from its methods, once); a front end refuses (400) a request needing more, and advertises no more. */
  readonly capabilities: StoreCapabilities;

  constructor(private readonly config: TusEngineConfig) {
    this.capabilities = capabilitiesOf(config.store);
    this.expiry = new ExpiryPolicy(config.expireIncompleteAfter, config.completedRetention);
    this.admission = new UploadAdmission(config.hooks);
    this.completions = new CompletionRunner(config.store, config.locker, config.hooks, config.emit, (upload, range) => this.read(upload, range), config.completion);
    this.finals = new FinalAssembler(config.store, config.locker, config.lockTimeout, {
      beforeAssembly: (final) => this.completions.owe(final, {}),
      assembled: (final, context) => this.completed(final, context),
    });
    const completions = this.completions;
    this.writer = new BodyWriter(
      config.store,
      config.idleTimeout,
      {
        owes: (upload) => completions.owes(upload),
        owe: (upload, req) => completions.owe(upload, req.params),
        disown: (upload) => completions.disown(upload),
        completed: (upload, req) => this.completed(upload, req.context, req.params),
      },
      config.emit,
      config.progressInterval,
      config.minDataRate,
    );
  }


  /** The largest upload this request may create or grow to, or undefined for no limit. */
  maxSize(context: unknown): Promise<number | undefined> {
    return this.config.maxSize(context);
  }

  /**
   * Creates an upload and stores the request body when the spec takes it. Failures after creation
   * carry `Location`, so the client can still resume.
   */
  async create(req: TusRequest, spec: CreationSpec): Promise<{ upload: StoredUpload; location: string }> {
    const { length } = spec;
    const max = await this.maxSize(req.context);
    if (length !== undefined && max !== undefined && length > max) throw tooLarge(max);
    const declaredBody = contentLength(req);
    const withBody = spec.withBody && hasBody(req, declaredBody);
    if (withBody && length !== undefined && declaredBody !== undefined && declaredBody > length) {
      throw new TusError(413, 'ERR_UPLOAD_SIZE_EXCEEDED', `the body (${declaredBody} bytes) is longer than Upload-Length (${length})`);
    }

    const concat = spec.partial ? ({ kind: 'partial' } as const) : undefined;
    const { id, generatedId, owner, serverMetadata, folder } = await this.admission.admit(req, spec.metadata, length, concat);
    const fresh: NewUpload = { id, length, metadata: spec.metadata, rawMetadata: spec.rawMetadata, createdAt: Date.now(), owner, serverMetadata, folder, concat };
    // Under the lock from the start when anything follows the creation: a zero-length upload is complete
    // once created, so its completion is recorded before it exists, and the retry scan must not take that
    // record for a stale one meanwhile. A bare creation writes nothing more: it skips the lock's round trip.
    const bare = !withBody && length !== 0 && !spec.completes;
    const work = async (signal: AbortSignal): Promise<{ upload: StoredUpload; location: string }> => {
      const completeAtOnce = length === 0;
      if (completeAtOnce) await this.owe({ ...fresh, offset: 0, updatedAt: fresh.createdAt }, req);
      let upload = await createStored(this.config.store, fresh, { generatedId });
      this.config.emit({ type: 'created', upload: toUploadRecord(upload) });
      const location = `${req.collectionUrl}/${id}`;
      await spec.onCreated?.(location, upload);
      let wholeBody = true;
      if (withBody) {
        const written = await this.writer.write(req, upload, max, signal, spec.checksum);
        upload = written.upload;
        wholeBody = written.wholeBody;
        if (written.failure && written.refused) {
          // A refused checksummed first chunk: the upload is not created at all: the client's creation failed as a whole, as if never sent.
          await this.config.store.forget(id);
          throw written.failure;
        }
        if (written.failure) throw withHeaders(written.failure, { Location: location });
      }
      if (completeAtOnce) await this.completed(upload, req.context, req.params);
      if (spec.completes && wholeBody) {
        try {
          upload = await this.conclude(upload, req);
        } catch (error) {
          throw error instanceof TusError ? withHeaders(error, { Location: location }) : error;
        }
      }
      return { upload, location };
    };
    return bare ? work(NEVER_ABORTED) : this.locked(id, work);
  }

  /**
   * `Upload-Concat: final;…`: an upload made of partial uploads of this endpoint, in order. Assembled
   * at once when every part is complete, otherwise as soon as the last one is
   * (concatenation-unfinished). It never takes a body or PATCH of its own.
   */
  async createFinal(
    req: TusRequest,
    concat: Extract<ConcatRequest, { kind: 'final' }>,
    meta: { metadata: UploadMetadata; rawMetadata?: string },
  ): Promise<{ upload: StoredUpload; location: string }> {
    if (concat.urls.length > this.config.maxConcatParts) {
      // Each listed part is a copy: a small partial named many times would make a huge final.
      throw badRequest('ERR_TOO_MANY_PARTS', `Upload-Concat lists ${concat.urls.length} partial uploads; a final upload may have at most ${this.config.maxConcatParts} (maxConcatParts)`);
    }
    const ids = concat.urls.map((url) => partIdFromUrl(url, req.collectionUrl));
    // Another principal's part is reported exactly like one that does not exist.
    const principal = await this.admission.principalOf(req);
    const parts = await this.finals.loadParts(ids, concat.urls, (owner) => this.admission.owns(principal, owner));
    const length = sumOfLengths(parts);
    const max = await this.maxSize(req.context);
    // Every listed part counts, repeats too; a part of unknown length counts its bytes so far.
    if (max !== undefined && leastLength(parts) > max) throw tooLarge(max);

    const { id, generatedId, owner, serverMetadata, folder } = await this.admission.admit(req, meta.metadata, length, { kind: 'final', parts: ids });
    const upload = await createStored(this.config.store, {
      id,
      length,
      metadata: meta.metadata,
      rawMetadata: meta.rawMetadata,
      createdAt: Date.now(),
      owner,
      serverMetadata,
      folder,
      concat: { kind: 'final', parts: ids, header: concat.header },
    }, { generatedId });
    this.config.emit({ type: 'created', upload: toUploadRecord(upload) });
    // Link before checking again: a part completing in between then finds this final waiting.
    for (const part of parts) {
      if (!isComplete(part)) await withCapability(this.config.store, 'concatenation').linkFinal(part.id, id);
    }
    const assembled = await this.finals.tryAssemble(id, req.context);
    return { upload: assembled ?? upload, location: `${req.collectionUrl}/${id}` };
  }

  /**
   * The upload named by the URL as offset retrieval reports it. Never takes the lock: waiting for it
   * would stall a client's progress poll, or cut a running append. A store that buffers (S3Store) is
   * first asked, through the locker and on whichever instance holds the upload, to make what its
   * append holds count (bounded by lockTimeout), so the offset is one the next PATCH is accepted at.
   */
  async state(req: TusRequest): Promise<UploadState> {
    const { store, locker } = this.config;
    if (store.checkpoint && locker.flush) await locker.flush(checkedId(req), this.config.lockTimeout);
    const upload = await this.find(req);
    if (upload.concat?.kind === 'final' && !upload.concat.assembled) {
      // A final still waiting for parts: no offset yet, a length once all parts have one.
      const pending = await this.finals.describe(upload);
      if (pending.brokenBy) throw gone(`cannot be completed: its part ${pending.brokenBy} no longer exists`);
      return { upload, length: pending.length };
    }
    return { upload, offset: upload.offset, length: upload.length };
  }

  /** Appends the request body at `spec.offset`; resolves with the upload as it then is. */
  append(req: TusRequest, spec: AppendSpec): Promise<StoredUpload> {
    const id = checkedId(req);
    return this.locked(id, async (signal) => {
      let upload = await this.find(req);
      if (upload.concat?.kind === 'final') throw finalNotWritable();
      if (spec.offset !== upload.offset) {
        throw new TusError(409, 'ERR_MISMATCHED_OFFSET', `Upload-Offset is ${spec.offset} but the upload is at ${upload.offset}; send HEAD and resume from there`, {
          'Upload-Offset': String(upload.offset),
        });
      }
      const max = await this.maxSize(req.context);
      const wasComplete = isComplete(upload);
      const declaredBody = contentLength(req);
      // A finishing request with a Content-Length says where the upload ends (the draft's rule); every
      // indication must agree before anything is recorded.
      const endsAt = spec.completes && declaredBody !== undefined ? spec.offset + declaredBody : undefined;
      const known = spec.length ?? upload.length;
      if (endsAt !== undefined && known !== undefined && endsAt !== known) {
        throw inconsistentLength(`this request ends the upload at ${endsAt} bytes, but its length is ${known}`);
      }
      const length = spec.length ?? endsAt;
      if (length !== undefined && length !== upload.length) upload = await this.declareLength(upload, length, max, req);
      if (upload.length !== undefined && declaredBody !== undefined && spec.offset + declaredBody > upload.length) {
        throw new TusError(413, 'ERR_UPLOAD_SIZE_EXCEEDED', `the body (${declaredBody} bytes) goes past Upload-Length (${upload.length}) from offset ${spec.offset}`);
      }
      if (isComplete(upload) && !hasBody(req, declaredBody)) {
        // An empty request only declaring the final length completes the upload here (IETF draft: an append with `Upload-Complete: ?1` and no content).
        if (!wasComplete) await this.completed(upload, req.context, req.params);
        return upload;
      }
      const written = await this.writer.write(req, upload, max, signal, spec.checksum);
      if (written.failure) throw written.failure;
      return spec.completes && written.wholeBody ? this.conclude(written.upload, req) : written.upload;
    });
  }

  /** Termination (tus DELETE, draft cancellation), unless the PreTerminateHandler vetoes it. */
  async terminate(req: TusRequest): Promise<void> {
    const id = checkedId(req);
    await this.locked(id, async () => {
      const upload = await this.find(req, { allowExpired: true });
      await this.config.hooks.preTerminate?.(toUploadRecord(upload), { request: req.context, params: req.params });
      await this.config.store.remove(id, 'terminated');
      this.config.emit({ type: 'terminated', id });
    });
  }

  download(req: TusRequest): Promise<TusResponse> {
    // GET is not a tus request: an upload that is no more is simply not found (as with tusd).
    return serveDownload(req, this.config.download, { store: this.config.store, find: () => this.find(req, { goneIsMissing: true }) });
  }

  /** The upload as user code sees it, or undefined when it does not exist (or no longer). */
  async getUpload(id: string): Promise<UploadRecord | undefined> {
    const upload = await this.live(id);
    return upload && toUploadRecord(upload);
  }

  /** Programmatic access (TusService): the stored bytes of an upload, or undefined when it does not exist. */
  async readUpload(id: string, range?: ByteSpan): Promise<Readable | undefined> {
    const upload = await this.live(id);
    return upload && this.read(upload, range);
  }

  /** Programmatic termination: interrupts a running append like a DELETE would. False when nothing was there. */
  async terminateUpload(id: string): Promise<boolean> {
    if (!isValidUploadId(id)) return false;
    return this.locked(id, async () => {
      const found = await this.config.store.lookup(id);
      if (found.state !== 'active') return false;
      await this.config.store.remove(id, 'terminated');
      this.config.emit({ type: 'terminated', id });
      return true;
    });
  }

  /** Every live upload (not terminated or expired), in no particular order. */
  async *listUploads(): AsyncIterable<UploadRecord> {
    for await (const entry of this.config.store.list()) {
      if (entry.state === 'active' && !this.expiry.isExpired(entry.upload)) yield toUploadRecord(entry.upload);
    }
  }

  /** Removes expired uploads and forgets old tombstones; resolves with the number of uploads removed. */
  cleanup(now = Date.now()): Promise<number> {
    return removeExpired(this.config.store, this.config.locker, this.expiry, this.config.tombstoneRetention, now, (id) =>
      this.config.emit({ type: 'expired', id }),
    );
  }

  /** Runs the completion handlers still owed (after a crash, or failed runs due for a retry). */
  resumeCompletions(now = Date.now()): Promise<number> {
    return this.completions.resume(now);
  }

  /**
   * The client finished sending and says the upload ends here: a deferred length becomes the offset
   * and the upload completes; a known length the offset has not reached contradicts it (400).
   */
  private async conclude(upload: StoredUpload, req: TusRequest): Promise<StoredUpload> {
    if (upload.length === undefined) {
      const complete = { ...upload, length: upload.offset };
      await this.owe(complete, req);
      await withCapability(this.config.store, 'deferredLength').declareLength(upload.id, upload.offset);
      await this.completed(complete, req.context, req.params);
      return complete;
    }
    if (upload.offset !== upload.length) {
      throw withHeaders(inconsistentLength(`the upload was said to end at ${upload.offset} bytes, but its length is ${upload.length}`), {
        'Upload-Offset': String(upload.offset),
      });
    }
    return upload;
  }

  private async declareLength(upload: StoredUpload, length: number, max: number | undefined, req: TusRequest): Promise<StoredUpload> {
    if (upload.length !== undefined) {
      throw badRequest('ERR_INVALID_UPLOAD_LENGTH', `Upload-Length is already ${upload.length} and cannot change`);
    }
    if (length < upload.offset) {
      throw badRequest('ERR_INVALID_UPLOAD_LENGTH', `Upload-Length ${length} is below the bytes already stored (${upload.offset})`);
    }
    if (max !== undefined && length > max) throw tooLarge(max);
    if (max !== undefined && upload.concat?.kind === 'partial' && (await this.finals.largestWaitingFinal(upload, length)) > max) {
      throw new TusError(413, 'ERR_MAX_SIZE_EXCEEDED', `with ${length} bytes this partial upload would make a final upload waiting for it larger than the maximum of ${max} bytes (Tus-Max-Size)`);
    }
    const declared = { ...upload, length };
    // Every byte is already here: declaring the length completes the upload, so its completion is owed first.
    if (isComplete(declared)) await this.owe(declared, req);
    await withCapability(this.config.store, 'deferredLength').declareLength(upload.id, length);
    return declared;
  }

  /**
   * Records the completion a change is about to bring (under the upload's lock). A change that then
   * fails leaves the record to the retry scan, which drops it unless the upload did complete.
   */
  private owe(upload: StoredUpload, req: TusRequest): Promise<void> {
    return this.completions.owe(upload, req.params);
  }

  /**
   * An upload got its last byte. A partial is not the user's file: it is not handed to the completion
   * hook (tus: do not process partials), but the finals waiting for it may now be assembled.
   */
  private async completed(upload: StoredUpload, context: unknown, params: Record<string, string> = {}): Promise<void> {
    if (upload.concat?.kind === 'partial') {
      await this.finals.partCompleted(upload, context);
      return;
    }
    await this.completions.completed(upload, context, params);
  }

  /** The bytes of an upload up to its offset, or the given inclusive range of them. */
  private read(upload: StoredUpload, range?: ByteSpan): Promise<Readable> {
    if (range && (range.start < 0 || range.end < range.start || range.end >= upload.offset)) {
      throw new RangeError(`range ${range.start}-${range.end} is outside the ${upload.offset} stored bytes of upload ${upload.id}`);
    }
    return withCapability(this.config.store, 'read').read(upload.id, range ?? (upload.offset > 0 ? { start: 0, end: upload.offset - 1 } : undefined));
  }

  /** The upload with this id for user code (no ownership: that is the application's own access). */
  private async live(id: string): Promise<StoredUpload | undefined> {
    if (!isValidUploadId(id)) return undefined;
    const found = await this.config.store.lookup(id);
    return found.state === 'active' && !this.expiry.isExpired(found.upload) ? found.upload : undefined;
  }

  /** Loads the upload named by the URL, or throws 404 / 410 (404 only with `goneIsMissing`). */
  private async find(req: TusRequest, options: { allowExpired?: boolean; goneIsMissing?: boolean } = {}): Promise<StoredUpload> {
    const id = checkedId(req);
    const found = await this.config.store.lookup(id);
    if (found.state === 'missing') throw notFound();
    // Someone else's upload, or its tombstone, does not exist for this principal: not even a 403 or
    // 410 that would confirm it.
    if (!this.admission.owns(await this.admission.principalOf(req), found.state === 'active' ? found.upload : found)) throw notFound();
    if (found.state === 'gone') {
      if (options.goneIsMissing) throw notFound();
      throw gone(found.reason === 'terminated' ? 'was terminated' : 'has expired');
    }
    if (!options.allowExpired && this.expiry.isExpired(found.upload)) throw options.goneIsMissing ? notFound() : gone('has expired');
    return found.upload;
  }

  /** Runs `work` holding the upload's lock; a newer request for the same upload aborts `signal`. */
  private locked<T>(id: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { store } = this.config;
    const flush = store.checkpoint ? () => store.checkpoint!(id) : undefined;
    return withUploadLock(this.config.locker, id, this.config.lockTimeout, work, flush);
  }
}

/** The signal of work that no newer request can interrupt (it holds no lock). */
const NEVER_ABORTED = new AbortController().signal;

function checkedId(req: TusRequest): string {
  if (req.id === undefined || !isValidUploadId(req.id)) throw notFound();
  return req.id;
}

export function tooLarge(max: number): TusError {
  return new TusError(413, 'ERR_MAX_SIZE_EXCEEDED', `the upload is larger than the maximum of ${max} bytes (Tus-Max-Size)`);
}

/** Two indications of the upload's length disagree (the draft's inconsistent-upload-length). */
function inconsistentLength(message: string): TusError {
  return new TusError(400, 'ERR_INCONSISTENT_UPLOAD_LENGTH', message);
}
