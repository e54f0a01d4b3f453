import { metadataObject } from '../../storage/metadata-object.js';
import type { StoredUpload } from '../../storage/upload-store.js';
import { dispositionFilename } from '../http-semantics/content-disposition.js';
import { isComplete } from '../uploads/expiry-policy.js';
import { mediaType, singleHeader } from '../http-semantics/header-values.js';
import { digestMismatch, matchesEmpty, readDigestClaim, reprDigestOf, wantedReprAlgorithm, type DigestClaim } from './ietf-draft-digests.js';
import { DraftDialect, PARTIAL_UPLOAD_TYPE, readInteger, type InteropVersion, type UploadLimits } from './ietf-draft-fields.js';
import { PROBLEM_TYPES, ProblemError, problemResponse } from './problem-details.js';
import { bodyTakenElsewhere, contentLength, hasBody } from '../http-semantics/request-body.js';
import { H } from '../tus-headers.js';
import { TusError, badRequest, methodNotAllowed, unsupportedMediaType, withHeaders } from '../tus-error.js';
import type { TusRequest, TusResponse } from '../tus-request.js';
import { metadataFromHeader, type MetadataLimits, type UploadMetadata } from '../uploads/upload-metadata.js';
import type { UploadOperations } from '../uploads/upload-operations.js';

const INTERIM_UPLOAD_RESUMPTION_SUPPORTED = 104;

/**
 * The IETF draft "Resumable Uploads for HTTP" on the tus endpoint: each draft
 * request is translated into the same {@link UploadOperations} tus v1 uses, and the outcome back into
 * draft fields. So storage, offsets, locks (a newer request interrupts an older one), expiry and the
 * completion hook are shared, and an upload started with one protocol can be continued with the
 * other. Routes are tus's: POST on the collection creates, HEAD / PATCH / DELETE on the upload URL
 * (and, from interop 9, GET as HEAD).
 */
export class IetfDraft {
  constructor(
    private readonly operations: UploadOperations,
    private readonly metadataLimits: MetadataLimits,
    /** Whether the store can hold a body back until its digest is verified (staging). */
    private readonly canVerifyDigests: boolean,
  ) {}

  async handle(req: TusRequest, version: InteropVersion): Promise<TusResponse> {
    const dialect = new DraftDialect(version);
    try {
      return await this.route(req, dialect);
    } catch (error) {
      // Interop 9: an answer of the upload protocol itself (every error here) says Upload-Complete: ?0.
      const incomplete = dialect.errorsCarryComplete ? dialect.completeHeader(false) : {};
      if (error instanceof ProblemError) return problemResponse({ ...error.problem, headers: { ...error.problem.headers, ...incomplete } });
      if (error instanceof TusError && dialect.errorsCarryComplete) throw withHeaders(error, incomplete);
      throw error;
    }
  }

  private route(req: TusRequest, dialect: DraftDialect): Promise<TusResponse> {
    switch (req.method) {
      case 'OPTIONS':
        return this.options(req, dialect);
      case 'POST':
        return this.create(req, dialect);
      case 'HEAD':
        return this.retrieveOffset(req, dialect);
      case 'PATCH':
        return this.append(req, dialect);
      case 'DELETE':
        return this.cancel(req);
      case 'GET':
        // Interop 9 made GET offset retrieval; before, the draft said nothing of GET and this server's
        // GET is the download, as for tus.
        return dialect.getRetrievesOffset ? this.retrieveOffset(req, dialect) : this.operations.download(req);
      default:
        throw methodNotAllowed(req.method, req.id !== undefined);
    }
  }

  /**
   * What the version needs to know before creating: `Upload-Limit` from interop 6 (none existed
   * before), `Accept-Patch` for 6 to 8 (drafts -10 and -11 require it; -12 dropped it again).
   */
  private async options(req: TusRequest, dialect: DraftDialect): Promise<TusResponse> {
    const headers = dialect.limitHeader({ maxSize: await this.operations.maxSize(req.context) });
    if (dialect.announcesAcceptPatch) headers['Accept-Patch'] = PARTIAL_UPLOAD_TYPE;
    return { status: 204, headers };
  }

  /**
   * Upload creation: any Content-Type, the body is the upload's first bytes. The length comes from
   * `Upload-Length`, or from `Content-Length` when this request completes the upload; without either
   * it is deferred until a request says the upload is complete. Once the upload exists and before its
   * body is read, a 104 tells the client where to resume should the connection drop.
   */
  private async create(req: TusRequest, dialect: DraftDialect): Promise<TusResponse> {
    const completes = dialect.requestCompletes(req.headers);
    if (completes === undefined) throw missingComplete(dialect);
    const uploadLength = readInteger('Upload-Length', req.headers[H.uploadLength]);
    const declaredBody = contentLength(req);
    const impliedLength = completes ? declaredBody ?? (hasBody(req, declaredBody) ? undefined : 0) : undefined;
    if (uploadLength !== undefined && impliedLength !== undefined && uploadLength !== impliedLength) {
      throw inconsistentLength(`Upload-Length (${uploadLength}) and the complete body's Content-Length (${impliedLength}) disagree`);
    }
    checkBodyReadable(req);
    // Repr-Digest is the whole upload's: this request's content only when it carries all of it.
    const digest = this.digestClaim(req, completes);
    const max = await this.operations.maxSize(req.context);
    try {
      const { upload, location } = await this.operations.create(req, {
        ...this.metadataOf(req),
        length: uploadLength ?? impliedLength,
        withBody: true,
        completes,
        checksum: digest?.checksum,
        onCreated: (location, created) => this.announce(req, dialect, location, this.limits(created, max)),
      });
      return {
        status: 201,
        headers: {
          Location: location,
          'Upload-Offset': String(upload.offset),
          ...dialect.completeHeader(isComplete(upload)),
          ...dialect.limitHeader(this.limits(upload, max)),
          ...(await this.reprDigest(req, upload)),
        },
      };
    } catch (error) {
      return this.translate(error, dialect, max, { digest });
    }
  }

  /** `104 Upload Resumption Supported`, once per creation, echoing the client's interop version. */
  private announce(req: TusRequest, dialect: DraftDialect, location: string, limits: UploadLimits): void {
    req.sendInterim?.(INTERIM_UPLOAD_RESUMPTION_SUPPORTED, {
      Location: location,
      'Upload-Draft-Interop-Version': String(dialect.version),
      ...dialect.limitHeader(limits),
    });
  }

  /** Offset retrieval: the state, with no tus-only field (metadata, concatenation, expiry date). */
  private async retrieveOffset(req: TusRequest, dialect: DraftDialect): Promise<TusResponse> {
    const { upload, offset, length } = await this.operations.state(req);
    const headers: Record<string, string> = {
      // A tus final still waiting for its parts has stored nothing yet.
      'Upload-Offset': String(offset ?? 0),
      ...dialect.completeHeader(offset !== undefined && isComplete(upload)),
    };
    if (length !== undefined) headers['Upload-Length'] = String(length);
    Object.assign(headers, dialect.limitHeader(this.limits(upload, await this.operations.maxSize(req.context))));
    headers['Cache-Control'] = 'no-store';
    if (offset !== undefined) Object.assign(headers, await this.reprDigest(req, upload));
    return { status: 204, headers };
  }

  /**
   * Append: `Upload-Offset` and the completeness field are required. tus-js-client 4 sends the empty
   * last PATCH of a deferred-length upload with `Upload-Length` but no `Upload-Complete`; the length
   * then says where the upload ends, so that request is accepted.
   */
  private async append(req: TusRequest, dialect: DraftDialect): Promise<TusResponse> {
    if (dialect.appendNeedsPartialUploadType && mediaType(req.headers[H.contentType]) !== PARTIAL_UPLOAD_TYPE) {
      throw unsupportedMediaType(`PATCH needs Content-Type: ${PARTIAL_UPLOAD_TYPE} (Upload-Draft-Interop-Version ${dialect.version})`);
    }
    const offset = readInteger('Upload-Offset', req.headers[H.uploadOffset]);
    if (offset === undefined) throw badRequest('ERR_INVALID_UPLOAD_OFFSET', 'Upload-Offset is required');
    const length = readInteger('Upload-Length', req.headers[H.uploadLength]);
    const completes = dialect.requestCompletes(req.headers) ?? (length !== undefined ? false : undefined);
    if (completes === undefined) throw missingComplete(dialect);
    checkBodyReadable(req);
    // A PATCH encloses the patch document: its Repr-Digest is this request's content too.
    const digest = this.digestClaim(req, true);
    try {
      const upload = await this.operations.append(req, { offset, length, completes, checksum: digest?.checksum });
      return {
        status: 204,
        headers: { 'Upload-Offset': String(upload.offset), ...dialect.completeHeader(isComplete(upload)), ...(await this.reprDigest(req, upload)) },
      };
    } catch (error) {
      return this.translate(error, dialect, await this.operations.maxSize(req.context), { providedOffset: offset, digest });
    }
  }

  /** Cancellation: as tus termination (a running append is interrupted, later requests get 410). */
  private async cancel(req: TusRequest): Promise<TusResponse> {
    await this.operations.terminate(req);
    return { status: 204, headers: {} };
  }

  /**
   * tus outcomes the draft names differently: an offset mismatch and inconsistent lengths become its
   * RFC 9457 problems, a failed digest its problem, and a 413 for the size limit carries
   * `Upload-Limit`. Anything else is rethrown.
   */
  private translate(
    error: unknown,
    dialect: DraftDialect,
    max: number | undefined,
    request: { providedOffset?: number; digest?: DigestClaim } = {},
  ): TusResponse {
    if (!(error instanceof TusError)) throw error;
    const { providedOffset, digest } = request;
    switch (error.code) {
      case 'ERR_CHECKSUM_MISMATCH':
        throw digestMismatch(digest!, error.headers);
      case 'ERR_MISMATCHED_OFFSET':
        return problemResponse({
          status: 409,
          type: PROBLEM_TYPES.mismatchingOffset,
          title: 'offset from request does not match offset of resource',
          detail: error.message,
          members: { 'expected-offset': Number(error.headers['Upload-Offset']), 'provided-offset': providedOffset ?? 0 },
          headers: { ...error.headers, ...dialect.completeHeader(false) },
        });
      case 'ERR_INCONSISTENT_UPLOAD_LENGTH':
      case 'ERR_INVALID_UPLOAD_LENGTH':
      case 'ERR_UPLOAD_SIZE_EXCEEDED':
        // Past a known length, a changed length, or "complete" before the length: the indications disagree.
        throw inconsistentLength(error.message, error.headers);
      case 'ERR_MAX_SIZE_EXCEEDED':
        throw withHeaders(error, dialect.limitHeader({ maxSize: max }));
      default:
        throw error;
    }
  }

  /**
   * The digest this request's content must match (400 before anything is stored when it cannot be
   * checked). Content without a body never reaches the writer, so its claim is judged here.
   */
  private digestClaim(req: TusRequest, reprCoversContent: boolean): DigestClaim | undefined {
    const claim = readDigestClaim(req.headers, reprCoversContent);
    if (!claim) return undefined;
    if (!this.canVerifyDigests) {
      throw badRequest('ERR_DIGEST_UNSUPPORTED', `${claim.field} cannot be verified with this server's store; send the request without it`);
    }
    if (!hasBody(req) && !matchesEmpty(claim)) throw digestMismatch(claim);
    return claim;
  }

  /** `Repr-Digest` of the bytes stored so far, when the request asks for it with `Want-Repr-Digest`. */
  private async reprDigest(req: TusRequest, upload: StoredUpload): Promise<Record<string, string>> {
    const algorithm = wantedReprAlgorithm(req.headers);
    if (!algorithm) return {};
    const bytes = upload.offset > 0 ? await this.operations.readUpload(upload.id, { start: 0, end: upload.offset - 1 }) : undefined;
    // Gone in between (cancelled, expired): say nothing rather than the digest of no bytes.
    if (upload.offset > 0 && !bytes) return {};
    return { 'Repr-Digest': await reprDigestOf(bytes, algorithm) };
  }

  private limits(upload: StoredUpload, maxSize: number | undefined): UploadLimits {
    const expiresAt = this.operations.expiry.expiresAt(upload);
    const lifetime = expiresAt === undefined ? undefined : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
    return { maxSize, lifetime };
  }

  /**
   * tus-js-client sends `Upload-Metadata` in draft mode too; otherwise the draft's representation
   * metadata gives `filetype` (Content-Type) and `filename` (Content-Disposition), the keys tus clients use.
   */
  private metadataOf(req: TusRequest): { rawMetadata?: string; metadata: UploadMetadata } {
    if (req.headers[H.uploadMetadata] !== undefined) return metadataFromHeader(req.headers[H.uploadMetadata], this.metadataLimits);
    const metadata: UploadMetadata = metadataObject();
    const type = mediaType(req.headers[H.contentType]);
    // application/partial-upload labels a chunk, not the file (tus-js-client sends it on a POST with data).
    if (type && type !== PARTIAL_UPLOAD_TYPE && MEDIA_TYPE.test(type)) metadata.filetype = type;
    const filename = dispositionFilename(singleHeader('Content-Disposition', req.headers['content-disposition']));
    if (filename) metadata.filename = filename;
    return { metadata };
  }
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

function missingComplete(dialect: DraftDialect): TusError {
  return badRequest('ERR_MISSING_' + dialect.completeField.toUpperCase().replace('-', '_'), `${dialect.completeField} is required (?1 when this request ends the upload, ?0 otherwise)`);
}

function inconsistentLength(detail: string, headers: Record<string, string> = {}): ProblemError {
  return new ProblemError({ status: 400, type: PROBLEM_TYPES.inconsistentLength, title: 'inconsistent length values for upload', detail, headers });
}

/**
 * A body a framework parser already read (Express's JSON and URL-encoded parsers take any request of
 * their type) cannot be stored: refuse it rather than store nothing in its place.
 */
function checkBodyReadable(req: TusRequest): void {
  if (hasBody(req) && bodyTakenElsewhere(req.body)) {
    throw unsupportedMediaType(
      `the application's body parser already read this ${mediaType(req.headers[H.contentType]) ?? ''} body; create the Nest application with bodyParser: false, or send the bytes with PATCH as ${PARTIAL_UPLOAD_TYPE}`,
    );
  }
}
