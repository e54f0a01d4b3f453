import { LockTimeoutError, type Lock, type Locker } from '../locking/locker.js';
import { isValidFolder, isValidUploadId, newUploadId } from '../storage/upload-id.js';
import type { Readable } from 'node:stream';
import { StorageFullError, UploadExistsError, type ByteSpan, type StoredUpload, type UploadStore } from '../storage/upload-store.js';
import { BodyWriter } from './body-writer.js';
import { FinalAssembler, finalNotWritable, parseUploadConcat, partIdFromUrl, sumOfLengths, type ConcatRequest } from './concatenation.js';
import { CHECKSUM_ALGORITHMS, parseChecksumClaim } from './checksum.js';
import { serveDownload, type DownloadPolicy } from './download.js';
import { CompletionRunner, type CompletionSettings } from './completion-runner.js';
import { removeExpired } from './expiry-cleanup.js';
import type { EmitEvent } from './tus-events.js';
import { ExpiryPolicy, isComplete } from './expiry-policy.js';
import { checkTusResumable, mediaType, parseByteCount, singleHeader } from './header-values.js';
import { EXTENSIONS, H, OFFSET_CONTENT_TYPE, TUS_VERSION } from './tus-headers.js';
import { TusError, badRequest, gone, notFound, withHeaders } from './tus-error.js';
import type { TusRequest, TusResponse } from './tus-request.js';
import { parseUploadMetadata } from './upload-metadata.js';
import { toUploadRecord, type EngineHooks, type PreCreateContext, type UploadRecord } from './upload-record.js';
import type { UploadMetadata as Metadata } from './upload-metadata.js';

export interface TusEngineConfig {
  store: UploadStore;
  locker: Locker;
  hooks: EngineHooks;
  /** The largest upload accepted for this request, or undefined for no limit. */
  maxSize(context: unknown): Promise<number | undefined>;
  maxMetadataSize: number;
  maxMetadataPairs: number;
  expireIncompleteAfter: number;
  completedRetention: number;
  /** How long a terminated or expired id keeps answering 410 before it is forgotten (404). */
  tombstoneRetention: number;
  idleTimeout: number;
  lockTimeout: number;
  /** Where upload events go (`TusService.events$`); must not throw or block. */
  emit: EmitEvent;
  /** ms between two progress events of one upload. */
  progressInterval: number;
  completion: CompletionSettings;
  /** GET on an upload URL: served at all, and for incomplete uploads too? */
  download: DownloadPolicy;
}

/**
 * The tus 1.0.0 rules, framework-free: it takes a {@link TusRequest} and returns a {@link TusResponse}
 * or throws a {@link TusError}. Every check that can refuse a request runs before anything is stored.
 */
export class TusEngine {
  readonly expiry: ExpiryPolicy;
  private readonly finals: FinalAssembler;
  private readonly writer: BodyWriter;
  private readonly completions: CompletionRunner;

  constructor(private readonly config: TusEngineConfig) {
    this.expiry = new ExpiryPolicy(config.expireIncompleteAfter, config.completedRetention);
    this.completions = new CompletionRunner(config.store, config.locker, config.hooks, config.emit, (upload, range) => this.read(upload, range), config.completion);
    this.finals = new FinalAssembler(config.store, config.locker, config.lockTimeout, (final, context) => this.completed(final, context));
    this.writer = new BodyWriter(
      config.store,
      config.idleTimeout,
      (upload, req) => this.completed(upload, req.context, req.params),
      config.emit,
      config.progressInterval,
    );
  }

  get extensions(): readonly string[] {
    return this.expiry.enabled ? EXTENSIONS : EXTENSIONS.filter((e) => e !== 'expiration');
  }

  handle(req: TusRequest): Promise<TusResponse> {
    const onCollection = req.method === 'OPTIONS' || req.method === 'POST';
    if (onCollection !== (req.id === undefined) && req.method !== 'OPTIONS') throw methodNotAllowed(req);
    switch (req.method) {
      case 'OPTIONS':
        return this.options(req);
      case 'POST':
        return this.create(req);
      case 'HEAD':
        return this.head(req);
      case 'PATCH':
        return this.patch(req);
      case 'DELETE':
        return this.terminate(req);
      case 'GET':
        return this.download(req);
      default:
        throw methodNotAllowed(req);
    }
  }

  async options(req: TusRequest): Promise<TusResponse> {
    const headers: Record<string, string> = {
      'Tus-Version': TUS_VERSION,
      'Tus-Extension': this.extensions.join(','),
      'Tus-Checksum-Algorithm': CHECKSUM_ALGORITHMS.join(','),
    };
    const max = await this.config.maxSize(req.context);
    if (max !== undefined) headers['Tus-Max-Size'] = String(max);
    return { status: 204, headers };
  }

  async create(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    const concat = parseUploadConcat(req.headers[H.uploadConcat]);
    if (concat?.kind === 'final') return this.createFinal(req, concat);
    const length = parseByteCount('Upload-Length', req.headers[H.uploadLength]);
    const defer = singleHeader('Upload-Defer-Length', req.headers[H.uploadDeferLength]);
    if (length !== undefined && defer !== undefined) {
      throw badRequest('ERR_AMBIGUOUS_UPLOAD_LENGTH', 'send either Upload-Length or Upload-Defer-Length, not both');
    }
    if (defer !== undefined && defer !== '1') {
      throw badRequest('ERR_INVALID_UPLOAD_DEFER_LENGTH', 'Upload-Defer-Length must be 1');
    }
    if (length === undefined && defer === undefined) {
      throw badRequest('ERR_INVALID_UPLOAD_LENGTH', 'Upload-Length or Upload-Defer-Length: 1 is required');
    }
    const max = await this.config.maxSize(req.context);
    if (length !== undefined && max !== undefined && length > max) throw tooLarge(max);
    const { rawMetadata, metadata } = this.metadataOf(req);

    // creation-with-upload: a body is taken only when labelled as tus bytes (§8 D7).
    const withBody = mediaType(req.headers[H.contentType]) === OFFSET_CONTENT_TYPE;
    const declaredBody = contentLength(req);
    if (!withBody && hasBody(req, declaredBody)) {
      throw unsupportedMediaType('a POST body must have Content-Type: application/offset+octet-stream');
    }
    if (withBody && length !== undefined && declaredBody !== undefined && declaredBody > length) {
      throw new TusError(413, 'ERR_UPLOAD_SIZE_EXCEEDED', `the body (${declaredBody} bytes) is longer than Upload-Length (${length})`);
    }
    const checksum = withBody ? parseChecksumClaim(req.headers) : undefined;

    const { id, owner, serverMetadata, folder } = await this.admit(req, metadata, length, concat && { kind: 'partial' });
    let upload = await this.createStored({ id, length, metadata, rawMetadata, createdAt: Date.now(), owner, serverMetadata, folder, concat: concat && { kind: 'partial' } });
    this.config.emit({ type: 'created', upload: toUploadRecord(upload) });
    const headers: Record<string, string> = { Location: `${req.collectionUrl}/${id}` };
    if (withBody && hasBody(req, declaredBody)) {
      const written = await this.locked(id, (signal) => this.writer.write(req, upload, max, signal, checksum));
      upload = written.upload;
      if (written.failure && written.refused) {
        // A refused checksummed first chunk: the upload is not created at all (§8 D16).
        await this.config.store.forget(id);
        throw written.failure;
      }
      if (written.failure) throw withHeaders(written.failure, headers);
    } else if (isComplete(upload)) {
      await this.completed(upload, req.context, req.params);
    }
    return { status: 201, headers: { ...headers, ...this.progressHeaders(upload) } };
  }

  /**
   * `Upload-Concat: final;…`: an upload made of partial uploads of this endpoint, in order. Assembled
   * at once when every part is complete, otherwise as soon as the last one is
   * (concatenation-unfinished). It never takes a body or PATCH of its own.
   */
  private async createFinal(req: TusRequest, concat: Extract<ConcatRequest, { kind: 'final' }>): Promise<TusResponse> {
    if (req.headers[H.uploadLength] !== undefined || req.headers[H.uploadDeferLength] !== undefined) {
      throw badRequest('ERR_INVALID_CONCAT', 'a final upload takes its length from its parts: send no Upload-Length or Upload-Defer-Length (§8 D11)');
    }
    if (hasBody(req, contentLength(req))) throw finalNotWritable();
    const { rawMetadata, metadata } = this.metadataOf(req);
    const ids = concat.urls.map((url) => partIdFromUrl(url, req.collectionUrl));
    const principal = await this.principalOf(req);
    const parts = await this.finals.loadParts(ids, concat.urls, (part) => this.owns(principal, part));
    const length = sumOfLengths(parts);
    const max = await this.config.maxSize(req.context);
    if (length !== undefined && max !== undefined && length > max) throw tooLarge(max);

    const { id, owner, serverMetadata, folder } = await this.admit(req, metadata, length, { kind: 'final', parts: ids });
    let upload = await this.createStored({
      id,
      length,
      metadata,
      rawMetadata,
      createdAt: Date.now(),
      owner,
      serverMetadata,
      folder,
      concat: { kind: 'final', parts: ids, header: concat.header },
    });
    this.config.emit({ type: 'created', upload: toUploadRecord(upload) });
    // Link before checking again: a part completing in between then finds this final waiting.
    for (const part of parts) {
      if (!isComplete(part)) await this.config.store.linkFinal(part.id, id);
    }
    upload = (await this.finals.tryAssemble(id, req.context)) ?? upload;
    const headers: Record<string, string> = { Location: `${req.collectionUrl}/${id}` };
    if (isComplete(upload)) headers['Upload-Offset'] = String(upload.offset);
    return { status: 201, headers };
  }

  async head(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], false);
    // HEAD never takes the lock: the store's offset is truthful at any moment, and waiting here
    // would make a client's progress poll cut or stall a running PATCH.
    const upload = await this.find(req);
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store',
      'Upload-Offset': String(upload.offset),
    };
    if (upload.length === undefined) headers['Upload-Defer-Length'] = '1';
    else headers['Upload-Length'] = String(upload.length);
    if (upload.rawMetadata !== undefined) headers['Upload-Metadata'] = upload.rawMetadata;
    const expires = this.expiry.header(upload);
    if (expires) headers['Upload-Expires'] = expires;
    if (upload.concat?.kind === 'partial') headers['Upload-Concat'] = 'partial';
    if (upload.concat?.kind === 'final') {
      headers['Upload-Concat'] = upload.concat.header;
      if (!upload.concat.assembled) await this.describePending(upload, headers);
    }
    return { status: 200, headers };
  }

  /** HEAD of a final still waiting for parts: no offset yet, a length once all parts have one. */
  private async describePending(final: StoredUpload, headers: Record<string, string>): Promise<void> {
    const pending = await this.finals.describe(final);
    if (pending.brokenBy) throw gone(`cannot be completed: its part ${pending.brokenBy} no longer exists`);
    delete headers['Upload-Offset'];
    delete headers['Upload-Expires'];
    delete headers['Upload-Defer-Length'];
    delete headers['Upload-Length'];
    if (pending.length !== undefined) headers['Upload-Length'] = String(pending.length);
  }

  async patch(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    if (mediaType(req.headers[H.contentType]) !== OFFSET_CONTENT_TYPE) {
      throw unsupportedMediaType('PATCH needs Content-Type: application/offset+octet-stream');
    }
    const offset = parseByteCount('Upload-Offset', req.headers[H.uploadOffset]);
    if (offset === undefined) throw badRequest('ERR_INVALID_UPLOAD_OFFSET', 'Upload-Offset is required');
    const declaredLength = parseByteCount('Upload-Length', req.headers[H.uploadLength]);
    const checksum = parseChecksumClaim(req.headers);
    const id = checkedId(req);

    return this.locked(id, async (signal) => {
      let upload = await this.find(req);
      if (upload.concat?.kind === 'final') throw finalNotWritable();
      if (offset !== upload.offset) {
        throw new TusError(409, 'ERR_MISMATCHED_OFFSET', `Upload-Offset is ${offset} but the upload is at ${upload.offset}; send HEAD and resume from there`, {
          'Upload-Offset': String(upload.offset),
        });
      }
      const max = await this.config.maxSize(req.context);
      const wasComplete = isComplete(upload);
      if (declaredLength !== undefined && declaredLength !== upload.length) {
        upload = await this.declareLength(upload, declaredLength, max);
      }
      const declaredBody = contentLength(req);
      if (upload.length !== undefined && declaredBody !== undefined && offset + declaredBody > upload.length) {
        throw new TusError(413, 'ERR_UPLOAD_SIZE_EXCEEDED', `the body (${declaredBody} bytes) goes past Upload-Length (${upload.length}) from offset ${offset}`);
      }
      if (isComplete(upload) && !hasBody(req, declaredBody)) {
        // An empty PATCH only declaring the final length completes the upload here (§6.4).
        if (!wasComplete) await this.completed(upload, req.context, req.params);
        return { status: 204, headers: this.progressHeaders(upload) };
      }
      const written = await this.writer.write(req, upload, max, signal, checksum);
      if (written.failure) throw written.failure;
      return { status: 204, headers: this.progressHeaders(written.upload) };
    });
  }

  async terminate(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    const id = checkedId(req);
    return this.locked(id, async () => {
      const upload = await this.find(req, { allowExpired: true });
      await this.config.hooks.preTerminate?.(toUploadRecord(upload), { request: req.context, params: req.params });
      await this.config.store.remove(id, 'terminated');
      this.config.emit({ type: 'terminated', id });
      return { status: 204, headers: {} };
    });
  }

  download(req: TusRequest): Promise<TusResponse> {
    return serveDownload(req, this.config.download, { store: this.config.store, find: () => this.find(req) });
  }

  /** The upload as user code sees it, or undefined when it does not exist (or no longer). */
  async getUpload(id: string): Promise<UploadRecord | undefined> {
    if (!isValidUploadId(id)) return undefined;
    const found = await this.config.store.lookup(id);
    if (found.state !== 'active' || this.expiry.isExpired(found.upload)) return undefined;
    return toUploadRecord(found.upload);
  }

  /**
   * Removes expired uploads and forgets old tombstones; resolves with the number of uploads removed.
   */
  cleanup(now = Date.now()): Promise<number> {
    return removeExpired(this.config.store, this.config.locker, this.expiry, this.config.tombstoneRetention, now, (id) =>
      this.config.emit({ type: 'expired', id }),
    );
  }

  private async declareLength(upload: StoredUpload, length: number, max: number | undefined): Promise<StoredUpload> {
    if (upload.length !== undefined) {
      throw badRequest('ERR_INVALID_UPLOAD_LENGTH', `Upload-Length is already ${upload.length} and cannot change`);
    }
    if (length < upload.offset) {
      throw badRequest('ERR_INVALID_UPLOAD_LENGTH', `Upload-Length ${length} is below the bytes already stored (${upload.offset})`);
    }
    if (max !== undefined && length > max) throw tooLarge(max);
    await this.config.store.declareLength(upload.id, length);
    return { ...upload, length };
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

  /** Runs the completion handlers still owed (after a crash, or failed runs due for a retry). */
  resumeCompletions(now = Date.now()): Promise<number> {
    return this.completions.resume(now);
  }

  /** The bytes of an upload up to its offset, or the given inclusive range of them. */
  private read(upload: StoredUpload, range?: ByteSpan): Promise<Readable> {
    if (range && (range.start < 0 || range.end < range.start || range.end >= upload.offset)) {
      throw new RangeError(`range ${range.start}-${range.end} is outside the ${upload.offset} stored bytes of upload ${upload.id}`);
    }
    return this.config.store.read(upload.id, range ?? (upload.offset > 0 ? { start: 0, end: upload.offset - 1 } : undefined));
  }

  /** Programmatic access (TusService): the stored bytes of an upload, or undefined when it does not exist. */
  async readUpload(id: string, range?: ByteSpan): Promise<Readable | undefined> {
    if (!isValidUploadId(id)) return undefined;
    const found = await this.config.store.lookup(id);
    if (found.state !== 'active' || this.expiry.isExpired(found.upload)) return undefined;
    return this.read(found.upload, range);
  }

  /** Programmatic termination: interrupts a running PATCH like a DELETE would. False when nothing was there. */
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

  /**
   * Everything that decides whether and how an upload is created, after the protocol checks:
   * metadata rules, the PreCreateHandler (which may name the id, owner and server metadata) and
   * the owner from the `principal` option.
   */
  private async admit(
    req: TusRequest,
    metadata: Metadata,
    length: number | undefined,
    concat: PreCreateContext['concat'],
  ): Promise<{ id: string; owner?: string; serverMetadata?: Record<string, unknown>; folder?: string }> {
    checkFilename(metadata);
    const problems = (await this.config.hooks.validateMetadata?.(metadata)) ?? [];
    if (problems.length > 0) throw badRequest('ERR_INVALID_METADATA', `invalid metadata: ${problems.join('; ')}`);
    const decision = (await this.config.hooks.preCreate?.({ request: req.context, params: req.params, metadata, length, concat })) ?? {};
    if (decision.id !== undefined && !isValidUploadId(decision.id)) {
      throw new Error(`the PreCreateHandler returned the upload id ${JSON.stringify(decision.id)}; ids are 1-100 characters of A-Z a-z 0-9 _ -`);
    }
    if (decision.folder !== undefined && !isValidFolder(decision.folder)) {
      throw new Error(`the PreCreateHandler returned the folder ${JSON.stringify(decision.folder)}; use up to 8 plain name segments joined by "/"`);
    }
    return {
      id: decision.id ?? newUploadId(),
      owner: decision.owner ?? (await this.principalOf(req)),
      serverMetadata: decision.serverMetadata,
      folder: decision.folder,
    };
  }

  private async createStored(upload: Parameters<UploadStore['create']>[0]): Promise<StoredUpload> {
    try {
      return await this.storeCall(() => this.config.store.create(upload));
    } catch (error) {
      if (error instanceof UploadExistsError) throw new TusError(409, 'ERR_UPLOAD_EXISTS', `an upload with id ${upload.id} already exists`);
      throw error;
    }
  }

  private principalOf(req: TusRequest): Promise<string | undefined> {
    return this.config.hooks.principal?.(req.context) ?? Promise.resolve(undefined);
  }

  /** With ownership on, an upload that has an owner belongs to that principal only. */
  private owns(principal: string | undefined, upload: StoredUpload): boolean {
    return !this.config.hooks.principal || upload.owner === undefined || upload.owner === principal;
  }

  private metadataOf(req: TusRequest): { rawMetadata?: string; metadata: Metadata } {
    const rawMetadata = singleHeader('Upload-Metadata', req.headers[H.uploadMetadata]) || undefined;
    const metadata: Metadata = rawMetadata
      ? parseUploadMetadata(rawMetadata, { maxSize: this.config.maxMetadataSize, maxPairs: this.config.maxMetadataPairs })
      : {};
    return { rawMetadata, metadata };
  }

  private progressHeaders(upload: StoredUpload): Record<string, string> {
    const headers: Record<string, string> = { 'Upload-Offset': String(upload.offset) };
    const expires = this.expiry.header(upload);
    if (expires) headers['Upload-Expires'] = expires;
    return headers;
  }

  /** Loads the upload named by the URL, or throws 404 / 410. */
  private async find(req: TusRequest, options: { allowExpired?: boolean } = {}): Promise<StoredUpload> {
    const id = checkedId(req);
    const found = await this.config.store.lookup(id);
    if (found.state === 'missing') throw notFound();
    // Someone else's upload does not exist for this principal: not even a 403 that would confirm it.
    if (found.state === 'active' && !this.owns(await this.principalOf(req), found.upload)) throw notFound();
    if (found.state === 'gone') throw gone(found.reason === 'terminated' ? 'was terminated' : 'has expired');
    if (!options.allowExpired && this.expiry.isExpired(found.upload)) throw gone('has expired');
    return found.upload;
  }

  /** Runs `work` holding the upload's lock; a newer request for the same upload aborts `signal`. */
  private async locked<T>(id: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const interrupt = new AbortController();
    let lock: Lock;
    try {
      lock = await this.config.locker.acquire(id, () => interrupt.abort(), this.config.lockTimeout);
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

  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof StorageFullError) {
        throw new TusError(507, 'ERR_STORAGE_FULL', 'the server ran out of storage; retry later');
      }
      throw error;
    }
  }
}

/** A file name is shown to people and put in headers: printable text only (never a storage path here). */
function checkFilename(metadata: Metadata): void {
  const name = metadata.filename;
  if (name !== undefined && (name === null || name.length === 0 || name.length > 255 || hasControlCharacter(name))) {
    throw badRequest('ERR_INVALID_METADATA', 'metadata "filename" must be 1-255 printable characters');
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

function checkedId(req: TusRequest): string {
  if (req.id === undefined || !isValidUploadId(req.id)) throw notFound();
  return req.id;
}

function contentLength(req: TusRequest): number | undefined {
  const raw = req.headers[H.contentLength];
  return raw === undefined ? undefined : Number(raw);
}

/** A body is coming when it has a non-zero length or is chunked. */
function hasBody(req: TusRequest, declared: number | undefined): boolean {
  if (declared !== undefined) return declared > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

function tooLarge(max: number): TusError {
  return new TusError(413, 'ERR_MAX_SIZE_EXCEEDED', `the upload is larger than the maximum of ${max} bytes (Tus-Max-Size)`);
}

function unsupportedMediaType(message: string): TusError {
  return new TusError(415, 'ERR_INVALID_CONTENT_TYPE', message);
}

function methodNotAllowed(req: TusRequest): TusError {
  const allow = req.id === undefined ? 'OPTIONS, POST' : 'OPTIONS, HEAD, PATCH, DELETE, GET';
  return new TusError(405, 'ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${allow}`, { Allow: allow });
}
