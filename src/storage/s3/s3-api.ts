import type { Readable } from 'node:stream';
import { StorageFullError } from '../upload-store.js';

// The S3 calls the store makes, on @aws-sdk/client-s3 loaded on first use: an application that
// never constructs an S3Store never loads the SDK, and no declaration of this package names it.

type Sdk = typeof import('@aws-sdk/client-s3');

/** What the store needs of an `S3Client` from `@aws-sdk/client-s3` (any v3 client fits). */
export interface S3ClientLike {
  send(command: any, options?: any): Promise<any>;
  destroy?(): void;
}

/**
 * Settings for the `S3Client` the store builds (`new S3Client(settings)`); the common ones are typed
 * here, anything else the SDK takes passes through.
 */
export interface S3ClientSettings {
  region?: string;
  /** An S3-compatible server, e.g. `http://127.0.0.1:8080`; implies path-style unless `forcePathStyle` says otherwise. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Default `'WHEN_REQUIRED'` (docs/s3.md: local S3 servers reject the SDK's default checksums). */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Default `'WHEN_REQUIRED'`. */
  responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  maxAttempts?: number;
  [setting: string]: unknown;
}

let loading: Promise<Sdk> | undefined;

function loadSdk(): Promise<Sdk> {
  loading ??= import('@aws-sdk/client-s3').catch((error: unknown) => {
    loading = undefined;
    throw new Error('S3Store needs the package @aws-sdk/client-s3 (npm install @aws-sdk/client-s3)', { cause: error });
  });
  return loading;
}

export interface ListedPart {
  partNumber: number;
  size: number;
  etag: string;
}

/** One bucket, through the SDK; errors keep the SDK's names, with "missing" answers made plain. */
export class S3Api {
  private constructor(
    private readonly sdk: Sdk,
    readonly client: S3ClientLike,
    readonly bucket: string,
    /** The client was built here, so it is ours to destroy. */
    private readonly owned: boolean,
  ) {}

  static async connect(bucket: string, client: S3ClientLike | undefined, settings: S3ClientSettings | undefined): Promise<S3Api> {
    const sdk = await loadSdk();
    if (client) return new S3Api(sdk, client, bucket, false);
    const built = new sdk.S3Client({
      // SDK ≥ 3.729 checksums streamed bodies with aws-chunked trailers by default, which Swift, RGW
      // and MinIO-era servers refuse or store corrupted. Bodies here are buffers; keep the old behaviour.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      forcePathStyle: settings?.endpoint !== undefined,
      ...settings,
    });
    return new S3Api(sdk, built, bucket, true);
  }

  destroy(): void {
    if (this.owned) this.client.destroy?.();
  }

  private send(command: unknown): Promise<any> {
    return this.client.send(command).catch((error: unknown) => {
      throw errorOf(error);
    });
  }

  async ensureBucket(create: boolean): Promise<void> {
    try {
      await this.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (!create) throw new Error(`the bucket "${this.bucket}" does not exist: create it, or set the S3Store option createBucket: true`, { cause: error });
      await this.send(new this.sdk.CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  /** The object's bytes (a range: `start` and `end` included), or undefined when it does not exist. */
  async getBytes(key: string, range?: { start: number; end: number }): Promise<Buffer | undefined> {
    try {
      const out = await this.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && `bytes=${range.start}-${range.end}` }));
      const bytes: Uint8Array = await out.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.getBytes(key);
    return bytes && (JSON.parse(bytes.toString('utf8')) as T);
  }

  /** A stream of the object's bytes (a range: both ends included). */
  async getStream(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const out = await this.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && `bytes=${range.start}-${range.end}` }));
    return out.Body as Readable;
  }

  async putBytes(key: string, body: Buffer, contentType?: string): Promise<void> {
    await this.send(new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
  }

  putJson(key: string, value: unknown): Promise<void> {
    return this.putBytes(key, Buffer.from(JSON.stringify(value)), 'application/json');
  }

  /** Deletes objects one by one (DeleteObjects needs Content-MD5 on Swift, which SDK v3 no longer sends); missing ones are fine. */
  async delete(keys: string[]): Promise<void> {
    await mapLimit(keys, 8, (key) => this.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(ignoreNotFound));
  }

  /** Keys under `prefix` (with a delimiter: only those without it after the prefix), page by page. */
  async *listKeys(prefix: string, delimiter?: string): AsyncIterable<string[]> {
    let token: string | undefined;
    do {
      const out = await this.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
      yield ((out.Contents ?? []) as Array<{ Key?: string }>).map((o) => o.Key!).filter(Boolean);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async createMultipart(key: string, contentType: string): Promise<string> {
    const out = await this.send(new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }));
    return out.UploadId as string;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const out = await this.send(
      new this.sdk.UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
    );
    return out.ETag as string;
  }

  /** UploadPartCopy of `source` (a range: both ends included; give one, see UploadWriter.copyPart), done by the server. */
  async copyPart(key: string, uploadId: string, partNumber: number, source: string, range?: { start: number; end: number }): Promise<string> {
    const out = await this.send(
      new this.sdk.UploadPartCopyCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        CopySource: `${this.bucket}/${source.split('/').map(encodeURIComponent).join('/')}`,
        CopySourceRange: range && `bytes=${range.start}-${range.end}`,
      }),
    );
    return out.CopyPartResult?.ETag as string;
  }

  /** Every uploaded part, or undefined when the multipart upload does not exist (any more). */
  async listParts(key: string, uploadId: string): Promise<ListedPart[] | undefined> {
    const parts: ListedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const out = await this.send(new this.sdk.ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const part of (out.Parts ?? []) as Array<{ PartNumber: number; Size: number; ETag: string }>) {
          parts.push({ partNumber: part.PartNumber, size: part.Size, etag: part.ETag });
        }
        marker = out.IsTruncated ? String(out.NextPartNumberMarker) : undefined;
      } while (marker);
    } catch (error) {
      if (isNoSuchUpload(error)) return undefined;
      throw error;
    }
    return parts;
  }

  async complete(key: string, uploadId: string, parts: Array<{ partNumber: number; etag: string }>): Promise<void> {
    await this.send(
      new this.sdk.CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }

  /** Aborts a multipart upload; one that is gone already is fine. */
  async abort(key: string, uploadId: string): Promise<void> {
    try {
      await this.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }

  /** Multipart uploads in progress whose key is exactly `key` (orphans of a crash included). */
  async multipartUploadsOf(key: string): Promise<string[]> {
    const ids: string[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    do {
      const out = await this.send(
        new this.sdk.ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, UploadIdMarker: idMarker }),
      );
      for (const upload of (out.Uploads ?? []) as Array<{ Key?: string; UploadId?: string }>) {
        if (upload.Key === key && upload.UploadId) ids.push(upload.UploadId);
      }
      const more = out.IsTruncated === true;
      keyMarker = more ? out.NextKeyMarker : undefined;
      idMarker = more ? out.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return ids;
  }

  /** Size of an object, or undefined when it does not exist. */
  async sizeOf(key: string): Promise<number | undefined> {
    try {
      const out = await this.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength as number;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

export function isNotFound(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || statusOf(error) === 404;
}

/** Swift and AWS say NoSuchUpload; RGW says NoSuchKey for an unknown or aborted multipart upload. */
export function isNoSuchUpload(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'NoSuchUpload' || name === 'NoSuchKey' || statusOf(error) === 404;
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

/** A quota answer is a full store (507 to the client); the rest stays as the SDK threw it. */
function errorOf(error: unknown): unknown {
  const name = nameOf(error);
  return name === 'QuotaExceeded' || name === 'InsufficientStorage' || statusOf(error) === 507 ? new StorageFullError(error) : error;
}

/** Runs `work` on every item, at most `limit` at a time. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
