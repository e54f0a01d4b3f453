import type { Readable } from 'node:stream';
import { capabilitiesOf } from '../storage/store-capabilities.js';
import { StorageFullError, type ByteSpan, type StoreCapabilities, type StoredUpload } from '../storage/upload-store.js';
import { CHECKSUM_ALGORITHMS, parseChecksumClaim } from './checksum.js';
import { finalNotWritable, parseUploadConcat, type ConcatRequest } from './concatenation.js';
import { checkDownloadsEnabled, headContentLength } from './download.js';
import type { TusEngineConfig } from './engine-config.js';
import type { ExpiryPolicy } from './expiry-policy.js';
import { checkTusResumable, mediaType, parseByteCount, singleHeader } from './header-values.js';
import { IetfDraft } from './ietf-draft.js';
import { draftInteropVersion } from './ietf-draft-fields.js';
import { hasBody } from './request-body.js';
import { EXTENSIONS, H, OFFSET_CONTENT_TYPE, TUS_VERSION } from './tus-headers.js';
import { badRequest, methodNotAllowed, storageFull, unsupportedMediaType } from './tus-error.js';
import type { TusRequest, TusResponse } from './tus-request.js';
import { metadataFromHeader, type MetadataLimits, type UploadMetadata } from './upload-metadata.js';
import { UploadOperations } from './upload-operations.js';
import type { UploadRecord } from './upload-record.js';

export type { TusEngineConfig } from './engine-config.js';

/**
 * The protocol engine, framework-free: it takes a {@link TusRequest} and returns a {@link TusResponse}
 * or throws a {@link TusError}. This class reads and writes tus 1.0.0 headers and hands requests of the
 * IETF draft to {@link IetfDraft}; the upload operations both share (limits, locks, storage,
 * completion) are {@link UploadOperations}.
 */
export class TusEngine {
  readonly operations: UploadOperations;
  private readonly draft: IetfDraft;
  private readonly metadataLimits: MetadataLimits;

  constructor(private readonly config: TusEngineConfig) {
    this.operations = new UploadOperations(config);
    this.metadataLimits = { maxSize: config.maxMetadataSize, maxPairs: config.maxMetadataPairs };
    this.draft = new IetfDraft(this.operations, this.metadataLimits, this.capabilities.staging);
  }

  get expiry(): ExpiryPolicy {
    return this.operations.expiry;
  }

  /** The extensions OPTIONS lists: all of them, less what the store (or the expiry setting) cannot do. */
  get extensions(): readonly string[] {
    const can = this.capabilities;
    const off = new Set<string>();
    if (!this.expiry.enabled) off.add('expiration');
    if (!can.staging) ['checksum', 'checksum-trailer'].forEach((e) => off.add(e));
    if (!can.concatenation) ['concatenation', 'concatenation-unfinished'].forEach((e) => off.add(e));
    if (!can.deferredLength) off.add('creation-defer-length');
    return EXTENSIONS.filter((e) => !off.has(e));
  }

  private get capabilities(): StoreCapabilities {
    return capabilitiesOf(this.config.store);
  }

  /** A client using an extension this store cannot serve gets a clear 400, never a silent downgrade. */
  private requireCapability(name: keyof StoreCapabilities, what: string): void {
    if (!this.capabilities[name]) throw badRequest('ERR_EXTENSION_UNSUPPORTED', `${what} is not supported by this server's store`);
  }

  async handle(req: TusRequest): Promise<TusResponse> {
    try {
      return await this.route(req);
    } catch (error) {
      // Out of space wherever it happened (info, tombstone, completion record, data): 507, never a 500.
      if (error instanceof StorageFullError) throw storageFull();
      throw error;
    }
  }

  private route(req: TusRequest): Promise<TusResponse> {
    const onCollection = req.method === 'OPTIONS' || req.method === 'POST';
    if (onCollection !== (req.id === undefined) && req.method !== 'OPTIONS') throw methodNotAllowed(req.method, req.id !== undefined);
    // Same endpoint, two protocols: only a supported draft interop version makes a draft request.
    const draftVersion = draftInteropVersion(req.headers);
    if (draftVersion !== undefined) return this.draft.handle(req, draftVersion);
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
        throw methodNotAllowed(req.method, req.id !== undefined);
    }
  }

  async options(req: TusRequest): Promise<TusResponse> {
    const headers: Record<string, string> = {
      'Tus-Version': TUS_VERSION,
      'Tus-Extension': this.extensions.join(','),
    };
    if (this.capabilities.staging) headers['Tus-Checksum-Algorithm'] = CHECKSUM_ALGORITHMS.join(',');
    const max = await this.operations.maxSize(req.context);
    if (max !== undefined) headers['Tus-Max-Size'] = String(max);
    return { status: 204, headers };
  }

  async create(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    const concat = parseUploadConcat(req.headers[H.uploadConcat]);
    if (concat) this.requireCapability('concatenation', 'Upload-Concat (parallel uploads)');
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
    if (defer !== undefined) this.requireCapability('deferredLength', 'Upload-Defer-Length');
    const metadata = this.metadataOf(req);

    // creation-with-upload: a body is taken only when labelled as tus bytes (§8 D7).
    const withBody = mediaType(req.headers[H.contentType]) === OFFSET_CONTENT_TYPE;
    if (!withBody && hasBody(req)) {
      throw unsupportedMediaType('a POST body must have Content-Type: application/offset+octet-stream');
    }
    const checksum = withBody ? parseChecksumClaim(req.headers) : undefined;
    if (checksum) this.requireCapability('staging', 'Upload-Checksum');
    const { upload, location } = await this.operations.create(req, {
      ...metadata,
      length,
      partial: concat?.kind === 'partial',
      withBody,
      checksum,
    });
    return { status: 201, headers: { Location: location, ...this.progressHeaders(upload) } };
  }

  private async createFinal(req: TusRequest, concat: Extract<ConcatRequest, { kind: 'final' }>): Promise<TusResponse> {
    if (req.headers[H.uploadLength] !== undefined || req.headers[H.uploadDeferLength] !== undefined) {
      throw badRequest('ERR_INVALID_CONCAT', 'a final upload takes its length from its parts: send no Upload-Length or Upload-Defer-Length (§8 D11)');
    }
    if (hasBody(req)) throw finalNotWritable();
    const { upload, location } = await this.operations.createFinal(req, concat, this.metadataOf(req));
    const headers: Record<string, string> = { Location: location };
    if (upload.length !== undefined && upload.offset === upload.length) headers['Upload-Offset'] = String(upload.offset);
    return { status: 201, headers };
  }

  async head(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], false);
    const { upload, offset, length } = await this.operations.state(req);
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store',
      'Content-Length': String(headContentLength(this.config.download, offset, length)),
    };
    // A final still waiting for parts has no offset (and so no expiry) yet.
    if (offset !== undefined) headers['Upload-Offset'] = String(offset);
    if (length !== undefined) headers['Upload-Length'] = String(length);
    else if (offset !== undefined) headers['Upload-Defer-Length'] = '1';
    if (upload.rawMetadata !== undefined) headers['Upload-Metadata'] = upload.rawMetadata;
    const expires = offset !== undefined && this.expiry.header(upload);
    if (expires) headers['Upload-Expires'] = expires;
    if (upload.concat?.kind === 'partial') headers['Upload-Concat'] = 'partial';
    if (upload.concat?.kind === 'final') headers['Upload-Concat'] = upload.concat.header;
    return { status: 200, headers };
  }

  async patch(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    if (mediaType(req.headers[H.contentType]) !== OFFSET_CONTENT_TYPE) {
      throw unsupportedMediaType('PATCH needs Content-Type: application/offset+octet-stream');
    }
    const offset = parseByteCount('Upload-Offset', req.headers[H.uploadOffset]);
    if (offset === undefined) throw badRequest('ERR_INVALID_UPLOAD_OFFSET', 'Upload-Offset is required');
    const length = parseByteCount('Upload-Length', req.headers[H.uploadLength]);
    const checksum = parseChecksumClaim(req.headers);
    if (checksum) this.requireCapability('staging', 'Upload-Checksum');
    const upload = await this.operations.append(req, { offset, length, checksum });
    return { status: 204, headers: this.progressHeaders(upload) };
  }

  async terminate(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    await this.operations.terminate(req);
    return { status: 204, headers: {} };
  }

  download(req: TusRequest): Promise<TusResponse> {
    checkDownloadsEnabled(this.config.download);
    checkTusResumable(req.headers[H.tusResumable], false);
    return this.operations.download(req);
  }

  /** The upload as user code sees it, or undefined when it does not exist (or no longer). */
  getUpload(id: string): Promise<UploadRecord | undefined> {
    return this.operations.getUpload(id);
  }

  /** Programmatic access (TusService): the stored bytes of an upload, or undefined when it does not exist. */
  readUpload(id: string, range?: ByteSpan): Promise<Readable | undefined> {
    return this.operations.readUpload(id, range);
  }

  /** Programmatic termination: interrupts a running PATCH like a DELETE would. False when nothing was there. */
  terminateUpload(id: string): Promise<boolean> {
    return this.operations.terminateUpload(id);
  }

  /** Every live upload (not terminated or expired), in no particular order. */
  listUploads(): AsyncIterable<UploadRecord> {
    return this.operations.listUploads();
  }

  /** Removes expired uploads and forgets old tombstones; resolves with the number of uploads removed. */
  cleanup(now = Date.now()): Promise<number> {
    return this.operations.cleanup(now);
  }

  /** Runs the completion handlers still owed (after a crash, or failed runs due for a retry). */
  resumeCompletions(now = Date.now()): Promise<number> {
    return this.operations.resumeCompletions(now);
  }

  private metadataOf(req: TusRequest): { rawMetadata?: string; metadata: UploadMetadata } {
    return metadataFromHeader(req.headers[H.uploadMetadata], this.metadataLimits);
  }

  private progressHeaders(upload: StoredUpload): Record<string, string> {
    const headers: Record<string, string> = { 'Upload-Offset': String(upload.offset) };
    const expires = this.expiry.header(upload);
    if (expires) headers['Upload-Expires'] = expires;
    return headers;
  }
}
