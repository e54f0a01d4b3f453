import type { StoredUpload, StoreCapabilities } from '../storage/upload-store.js';
import { CHECKSUM_ALGORITHMS, parseChecksumClaim } from './uploads/checksum.js';
import { finalNotWritable, parseUploadConcat, type ConcatRequest } from './uploads/concatenation.js';
import { checkDownloadsEnabled, headContentLength, type DownloadPolicy } from './uploads/download.js';
import type { ExpiryPolicy } from './uploads/expiry-policy.js';
import { checkTusResumable, mediaType, parseByteCount, singleHeader } from './http-semantics/header-values.js';
import { hasBody } from './http-semantics/request-body.js';
import { EXTENSIONS, H, OFFSET_CONTENT_TYPE, TUS_VERSION } from './tus-headers.js';
import { badRequest, methodNotAllowed, unsupportedMediaType } from './tus-error.js';
import type { TusRequest, TusResponse } from './tus-request.js';
import { metadataFromHeader, type MetadataLimits, type UploadMetadata } from './uploads/upload-metadata.js';
import type { UploadOperations } from './uploads/upload-operations.js';

/** What the tus v1 front end reads besides the operations: metadata limits and the download policy. */
export interface TusV1Settings {
  metadataLimits: MetadataLimits;
  download: DownloadPolicy;
}

/**
 * tus 1.0.0 (https://tus.io/protocols/resumable-upload) on the endpoint: reads its headers into
 * {@link UploadOperations} calls and writes the outcome back as tus headers. The IETF draft is the
 * other front end over the same operations ({@link IetfDraft}).
 */
export class TusV1 {
  constructor(
    private readonly operations: UploadOperations,
    private readonly settings: TusV1Settings,
  ) {}

  private get expiry(): ExpiryPolicy {
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
    return this.operations.capabilities;
  }

  /** A client using an extension this store cannot serve gets a clear 400, never a silent downgrade. */
  private requireCapability(name: keyof StoreCapabilities, what: string): void {
    if (!this.capabilities[name]) throw badRequest('ERR_EXTENSION_UNSUPPORTED', `${what} is not supported by this server's store`);
  }

  handle(req: TusRequest): Promise<TusResponse> {
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

  private async options(req: TusRequest): Promise<TusResponse> {
    const headers: Record<string, string> = {
      'Tus-Version': TUS_VERSION,
      'Tus-Extension': this.extensions.join(','),
    };
    if (this.capabilities.staging) headers['Tus-Checksum-Algorithm'] = CHECKSUM_ALGORITHMS.join(',');
    const max = await this.operations.maxSize(req.context);
    if (max !== undefined) headers['Tus-Max-Size'] = String(max);
    return { status: 204, headers };
  }

  private async create(req: TusRequest): Promise<TusResponse> {
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

    // creation-with-upload: a body is taken only when labelled as tus bytes (`Content-Type: application/offset+octet-stream`); any other body is ignored, as tusd does.
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
      throw badRequest('ERR_INVALID_CONCAT', 'a final upload takes its length from its parts: send no Upload-Length or Upload-Defer-Length');
    }
    if (hasBody(req)) throw finalNotWritable();
    const { upload, location } = await this.operations.createFinal(req, concat, this.metadataOf(req));
    const headers: Record<string, string> = { Location: location };
    if (upload.length !== undefined && upload.offset === upload.length) headers['Upload-Offset'] = String(upload.offset);
    return { status: 201, headers };
  }

  private async head(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], false);
    const { upload, offset, length } = await this.operations.state(req);
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store',
      'Content-Length': String(headContentLength(this.settings.download, offset, length)),
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

  private async patch(req: TusRequest): Promise<TusResponse> {
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

  private async terminate(req: TusRequest): Promise<TusResponse> {
    checkTusResumable(req.headers[H.tusResumable], true);
    await this.operations.terminate(req);
    return { status: 204, headers: {} };
  }

  private download(req: TusRequest): Promise<TusResponse> {
    checkDownloadsEnabled(this.settings.download);
    checkTusResumable(req.headers[H.tusResumable], false);
    return this.operations.download(req);
  }

  private metadataOf(req: TusRequest): { rawMetadata?: string; metadata: UploadMetadata } {
    return metadataFromHeader(req.headers[H.uploadMetadata], this.settings.metadataLimits);
  }

  private progressHeaders(upload: StoredUpload): Record<string, string> {
    const headers: Record<string, string> = { 'Upload-Offset': String(upload.offset) };
    const expires = this.expiry.header(upload);
    if (expires) headers['Upload-Expires'] = expires;
    return headers;
  }
}
