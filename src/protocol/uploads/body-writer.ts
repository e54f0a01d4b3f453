import { StorageFullError, type StoredUpload, type UploadStore } from '../../storage/upload-store.js';
import { BodyReader, type DataRate } from './body-reader.js';
import { ChecksumVerifier, type ChecksumClaim } from './checksum.js';
import { isComplete } from './expiry-policy.js';
import { TusError, withHeaders } from '../tus-error.js';
import type { TusRequest } from '../tus-request.js';
import { contentLength } from '../http-semantics/request-body.js';
import type { EmitEvent } from '../tus-events.js';
import { toUploadRecord } from '../upload-record.js';

/** How a body write ended: the upload as it now is, and what to answer when it fell short. */
export interface WriteResult {
  upload: StoredUpload;
  failure?: TusError;
  /** A checksummed chunk was discarded: nothing of it is stored. */
  refused?: boolean;
  /** The client's body was read to its end (not cut by a limit, a drop, a timeout or a newer request). */
  wholeBody: boolean;
}

/** What a write that may store the upload's last byte does about the completion it brings. */
export interface CompletionDuty {
  /** Whether completing this upload owes a handler run (then its record must precede the last byte). */
  owes(upload: StoredUpload): boolean;
  /** Records the owed completion; called before the store is given the batch that reaches the length. */
  owe(upload: StoredUpload, req: TusRequest): Promise<void>;
  /** The write recorded it but fell short of the length: the record goes. */
  disown(upload: StoredUpload): Promise<void>;
  /** This write stored the upload's last byte. */
  completed(upload: StoredUpload, req: TusRequest): Promise<void>;
}

/**
 * Streams a request body into the store at the upload's offset: limits, idle timeout, data-rate floor,
 * interruption by a newer request, checksums and the completion of the upload all meet here, once for
 * POST (creation-with-upload) and PATCH alike.
 */
export class BodyWriter {
  constructor(
    private readonly store: UploadStore,
    private readonly idleTimeout: number,
    private readonly completion: CompletionDuty,
    private readonly emit: EmitEvent,
    private readonly progressInterval: number,
    /** The slowest a body may arrive before it is ended like an idle one; undefined = no floor. */
    private readonly minRate?: DataRate,
  ) {}

  /**
   * The batches as the store takes them. The one that reaches the length is handed over only once the
   * completion it brings is recorded: no observer can then see the upload complete with nothing owed.
   */
  private async *owing(source: AsyncIterable<Buffer[]>, upload: StoredUpload, req: TusRequest, owing: Owing): AsyncIterable<Buffer[]> {
    const length = upload.length!;
    let offset = upload.offset;
    for await (const batch of source) {
      if (!owing.recorded) {
        for (const buffer of batch) offset += buffer.length;
        if (offset >= length) {
          owing.recorded = true;
          try {
            await this.completion.owe(upload, req);
          } catch (error) {
            owing.failure = { error };
            throw error;
          }
        }
      }
      yield batch;
    }
  }

  /** The batches on their way to the store, reporting progress once a batch is written (throttled). */
  private async *reporting(source: AsyncIterable<Buffer[]>, upload: StoredUpload, reported: { offset: number }): AsyncIterable<Buffer[]> {
    let offset = upload.offset;
    let last = Date.now();
    for await (const batch of source) {
      yield batch; // resumes when the store asks for the next batch: this one is written
      for (const buffer of batch) offset += buffer.length;
      const now = Date.now();
      if (now - last >= this.progressInterval) {
        last = now;
        reported.offset = offset;
        this.emit({ type: 'progress', upload: toUploadRecord({ ...upload, offset, updatedAt: now }) });
      }
    }
  }

  /** Writes the body, then tells subscribers where it got and, if it fell short, why. */
  async write(
    req: TusRequest,
    upload: StoredUpload,
    max: number | undefined,
    signal: AbortSignal,
    checksum: ChecksumClaim | undefined,
  ): Promise<WriteResult> {
    const result = await this.writeBody(req, upload, max, signal, checksum, { offset: upload.offset });
    if (result.failure) this.emit({ type: 'failed', id: upload.id, status: result.failure.status, reason: result.failure.message });
    return result;
  }

  /**
   * Streams the body into the store; the result says how far it got and what to answer if it fell
   * short. `refused` marks a checksummed chunk that was discarded (nothing of it is stored).
   */
  private async writeBody(
    req: TusRequest,
    upload: StoredUpload,
    max: number | undefined,
    signal: AbortSignal,
    checksum: ChecksumClaim | undefined,
    reported: { offset: number },
  ): Promise<WriteResult> {
    const capacity = upload.length ?? max ?? Number.MAX_SAFE_INTEGER;
    const reader = new BodyReader(req.body, {
      limit: capacity - upload.offset,
      idleTimeout: this.idleTimeout,
      minRate: this.minRate,
      signal,
    });
    const verifier = checksum && new ChecksumVerifier(checksum);
    // A checksummed chunk does not count until verified: no progress for it before the verdict.
    let source = verifier ? verifier.tap(reader) : this.reporting(reader, upload, reported);
    const owing: Owing = { recorded: false };
    if (mayComplete(upload, req) && this.completion.owes(upload)) source = this.owing(source, upload, req, owing);
    let offset: number;
    try {
      offset = await this.store.append(
        upload.id,
        upload.offset,
        source,
        {
          upload,
          verify: verifier ? () => verifier.verify(reader.end === 'complete', trailersOf(req)) : undefined,
          bodyComplete: () => reader.end === 'complete',
        },
      );
    } catch (caught) {
      // A failed record is the cause, whatever the store made of the error it got from the body.
      const error = owing.failure ? owing.failure.error : caught;
      // Left recorded when it was: the store may have taken the last byte before failing (the retry scan decides).
      if (error instanceof StorageFullError) {
        return { upload, wholeBody: false, failure: new TusError(507, 'ERR_STORAGE_FULL', 'the server ran out of storage; the bytes before that point are kept, retry later') };
      }
      throw error;
    }
    const written: StoredUpload = { ...upload, offset, updatedAt: Date.now() };
    // The request's last word on progress (unless the throttled reports said it), before completion.
    if (offset !== reported.offset) this.emit({ type: 'progress', upload: toUploadRecord(written) });
    if (!isComplete(upload) && isComplete(written)) await this.completion.completed(written, req);
    else if (owing.recorded) await this.completion.disown(upload);
    const stored = { 'Upload-Offset': String(offset) };
    const wholeBody = reader.end === 'complete';
    if (verifier?.failure) return { upload: written, wholeBody, failure: withHeaders(verifier.failure, stored), refused: true };
    switch (reader.end) {
      case 'overrun':
        return {
          upload: written,
          wholeBody,
          refused: verifier !== undefined,
          // Past a deferred upload's capacity is the server's maximum; past a known length, the client's.
          failure:
            upload.length === undefined
              ? new TusError(413, 'ERR_MAX_SIZE_EXCEEDED', `the upload would exceed the maximum size of ${capacity} bytes`, stored)
              : new TusError(
                  413,
                  'ERR_UPLOAD_SIZE_EXCEEDED',
                  `the body goes past Upload-Length (${upload.length}); ${verifier ? 'the chunk was discarded' : 'bytes up to it were stored'}`,
                  stored,
                ),
        };
      case 'idle':
      case 'slow': {
        // Both answer 500 (clients retry it) with the offset reached: only the reason differs.
        const why =
          reader.end === 'idle'
            ? `no data arrived for ${this.idleTimeout} ms`
            : `data arrived at less than ${this.minRate?.bytes} bytes per ${this.minRate?.interval} ms`;
        return {
          upload: written,
          wholeBody,
          refused: verifier !== undefined,
          failure: new TusError(500, 'ERR_READ_TIMEOUT', `${why}; ${verifier ? 'the checksummed chunk was discarded' : 'the bytes received are stored'}, resume from Upload-Offset`, stored),
        };
      }
      default:
        // complete, aborted (nobody is listening) and interrupted (a newer request took over):
        // the client learns the truth from Upload-Offset.
        return { upload: written, wholeBody };
    }
  }
}

/** Whether this body can take the upload to its length: not when a known Content-Length stops short of it. */
function mayComplete(upload: StoredUpload, req: TusRequest): boolean {
  if (upload.length === undefined || isComplete(upload)) return false;
  const declared = contentLength(req);
  return declared === undefined || upload.offset + declared >= upload.length;
}

interface Owing {
  /** The completion record was written (or attempted) ahead of the last batch. */
  recorded: boolean;
  failure?: { error: unknown };
}

function trailersOf(req: TusRequest): Record<string, string | undefined> {
  return (req.body as { trailers?: Record<string, string | undefined> }).trailers ?? {};
}
