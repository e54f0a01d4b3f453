import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { TusError, badRequest } from '../tus-error.js';

/** Supported `Upload-Checksum` algorithms and their digest sizes. sha1 is the one tus requires. */
const DIGEST_BYTES: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
export const CHECKSUM_ALGORITHMS = Object.keys(DIGEST_BYTES);

const HEADER = 'upload-checksum';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What the client promised about this request's body: a digest now, or one in the trailer. */
export interface ChecksumClaim {
  algorithm: string;
  /** The digest from the header; undefined when it comes as a trailer after the body. */
  digest?: Buffer;
}

/**
 * Reads `Upload-Checksum` (header) or the announcement of one in the trailer (`Trailer:
 * Upload-Checksum`, checksum-trailer extension). Everything that can be judged before the body is
 * judged here, so a bad claim is a 400 before a byte is stored.
 */
export function parseChecksumClaim(headers: IncomingHttpHeaders): ChecksumClaim | undefined {
  const header = headers[HEADER];
  const announced = (headers.trailer ?? '')
    .split(',')
    .some((name) => name.trim().toLowerCase() === HEADER);
  if (header !== undefined && announced) {
    throw badRequest('ERR_CHECKSUM_TWICE', 'send Upload-Checksum either as a header or as a trailer, not both');
  }
  if (announced) {
    if (headers['transfer-encoding'] === undefined) {
      throw badRequest('ERR_CHECKSUM_TRAILER', 'an Upload-Checksum trailer needs a chunked request body (Transfer-Encoding: chunked)');
    }
    return { algorithm: '' };
  }
  if (header === undefined) return undefined;
  return parseValue(String(header));
}

function parseValue(value: string): ChecksumClaim {
  const parts = value.trim().split(' ');
  const [algorithm, encoded] = parts;
  if (parts.length !== 2 || !algorithm || !encoded) {
    throw badRequest('ERR_INVALID_CHECKSUM', 'Upload-Checksum must be "<algorithm> <base64 digest>"');
  }
  const size = DIGEST_BYTES[algorithm];
  if (size === undefined) {
    throw badRequest('ERR_UNSUPPORTED_CHECKSUM_ALGORITHM', `checksum algorithm "${algorithm}" is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
  }
  const digest = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (!digest || digest.length !== size) {
    throw badRequest('ERR_INVALID_CHECKSUM', `Upload-Checksum digest is not the Base64 of a ${algorithm} digest (${size} bytes)`);
  }
  return { algorithm, digest };
}

/**
 * Hashes a body as it streams to the store, and gives the verdict once it has ended. The digest is
 * computed on the batches the store writes, so what is verified is exactly what was written.
 */
export class ChecksumVerifier {
  private hash: Hash | undefined;
  private readonly hashes = new Map<string, Hash>();
  /** Why the chunk was refused; undefined while it is fine. */
  failure: TusError | undefined;

  constructor(private readonly claim: ChecksumClaim) {
    // A trailer names its algorithm only at the end: hash with every supported one meanwhile.
    if (claim.digest) this.hash = createHash(claim.algorithm);
    else for (const name of CHECKSUM_ALGORITHMS) this.hashes.set(name, createHash(name));
  }

  async *tap(source: AsyncIterable<Buffer[]>): AsyncIterable<Buffer[]> {
    for await (const batch of source) {
      for (const buffer of batch) {
        if (this.hash) this.hash.update(buffer);
        else for (const hash of this.hashes.values()) hash.update(buffer);
      }
      yield batch;
    }
  }

  /**
   * True when the body is complete and matches. `trailers` are the request's trailers, read after the
   * body ended. A body that did not arrive whole cannot be verified and is refused.
   */
  verify(complete: boolean, trailers: Record<string, string | undefined>): boolean {
    if (!complete) return false;
    let claim = this.claim;
    let hash = this.hash;
    if (!claim.digest) {
      const trailer = trailers[HEADER];
      if (trailer === undefined) {
        this.failure = badRequest('ERR_CHECKSUM_TRAILER', 'the announced Upload-Checksum trailer did not arrive; the chunk was discarded');
        return false;
      }
      try {
        claim = parseValue(trailer);
      } catch (error) {
        this.failure = error as TusError;
        return false;
      }
      hash = this.hashes.get(claim.algorithm);
    }
    if (hash!.digest().equals(claim.digest!)) return true;
    this.failure = new TusError(460, 'ERR_CHECKSUM_MISMATCH', `the body does not match its ${claim.algorithm} checksum; the chunk was discarded, send it again`);
    return false;
  }
}
