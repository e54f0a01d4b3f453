import * as tus from 'tus-js-client';
import { ChecksumHttpStack } from './checksum-http-stack.js';
import { TusClientError, fromTusJsError } from './errors.js';
import { resolveHeaders, retryDelays, shouldRetry, type RequestOptions } from './request-options.js';
import { requireFeatures, serverCapabilities } from './server-capabilities.js';
import { openSource, type UploadSource } from './upload-source.js';
import { FileUrlStore } from './url-store.js';

export interface UploadOptions extends RequestOptions {
  /** Sent as `Upload-Metadata`; for a path, `filename` and `filetype` default to its name and type. */
  metadata?: Record<string, string>;
  /** Bytes per PATCH. Default: the whole file in one request; 8 MiB for a stream or with `checksum`. */
  chunkSize?: number;
  /** Split the file into this many partial uploads sent at once, then join them (concatenation). */
  parallel?: number;
  /** Send `Upload-Checksum` with every chunk, e.g. `'sha256'`; refused up front unless the server offers it. */
  checksum?: string;
  /** The length of a stream source, when known (otherwise it is deferred until the stream ends). */
  size?: number;
  /** Where interrupted uploads are remembered, to resume them in a later process; `false`: nowhere. */
  urlStore?: string | FileUrlStore | false;
  /** Bytes sent so far, and the total (undefined while a stream's length is unknown). */
  onProgress?: (bytesSent: number, bytesTotal: number | undefined) => void;
  /** The upload URL, once created or found again (a parallel upload has one only at its end). */
  onUploadUrl?: (url: string) => void;
  /** An earlier upload of the same source is continued: its URL and the bytes the server already has. */
  onResume?: (url: string, offset: number) => void;
}

export const DEFAULT_STREAM_CHUNK_SIZE = 8 * 1024 * 1024;

/**
 * Uploads `source` to the tus endpoint with tus-js-client and resolves with the upload URL. An upload
 * interrupted earlier (Ctrl-C, a crash, a network failure past the retries) is found in the URL store and
 * continued from the server's offset.
 */
export async function upload(endpoint: string, source: UploadSource, options: UploadOptions = {}): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  if (options.parallel !== undefined && !(Number.isSafeInteger(options.parallel) && options.parallel >= 1)) {
    throw new TusClientError(`parallel must be a positive integer (got ${options.parallel})`);
  }
  if (options.chunkSize !== undefined && !(options.chunkSize > 0)) throw new TusClientError(`chunkSize must be positive (got ${options.chunkSize})`);
  const parallel = options.parallel ?? 1;
  const opened = await openSource(source, endpoint, options.size);
  if (parallel > 1 && opened.streaming) throw new TusClientError('parallel uploads read parts at their own offsets: upload a file path or a Buffer');
  if (options.checksum || parallel > 1) {
    requireFeatures(endpoint, await serverCapabilities(endpoint, options), { checksum: options.checksum, parallel: parallel > 1 });
  }
  const store = options.urlStore === false ? undefined : options.urlStore instanceof FileUrlStore ? options.urlStore : new FileUrlStore(options.urlStore);
  const fingerprint = store ? opened.fingerprint : null;
  const delays = retryDelays(options);
  const needsChunks = opened.streaming || options.checksum !== undefined;
  const dynamicHeaders = typeof options.headers === 'function';

  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => {
      void tusUpload.abort(false);
      finish(() => reject(signal!.reason));
    };
    // tus-js-client spreads these over its defaults: a key set to undefined would erase a default.
    const defined = (entries: tus.UploadOptions) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
    const tusUpload = new tus.Upload(opened.input, defined({
      endpoint,
      metadata: { ...opened.defaultMetadata, ...options.metadata },
      headers: dynamicHeaders ? {} : (options.headers as Record<string, string> | undefined),
      chunkSize: options.chunkSize ?? (needsChunks ? DEFAULT_STREAM_CHUNK_SIZE : Number.POSITIVE_INFINITY),
      parallelUploads: parallel,
      uploadSize: opened.streaming ? opened.size : undefined,
      uploadLengthDeferred: opened.size === undefined,
      retryDelays: delays,
      onShouldRetry: (error, attempt) => shouldRetry(options, fromTusJsError(error), attempt),
      fingerprint: (async () => fingerprint) as unknown as tus.UploadOptions['fingerprint'],
      urlStorage: store,
      storeFingerprintForResuming: fingerprint !== null,
      removeFingerprintOnSuccess: false, // done below, awaited, so a process that exits next keeps no stale entry
      httpStack: options.checksum ? new ChecksumHttpStack(options.checksum, new tus.DefaultHttpStack({})) : undefined,
      onBeforeRequest: dynamicHeaders
        ? async (request) => {
            for (const [name, value] of Object.entries(await resolveHeaders(options.headers))) request.setHeader(name, value);
          }
        : undefined,
      onAfterResponse: async (request, response) => {
        const status = response.getStatus();
        if (request.getMethod() === 'HEAD' && status >= 200 && status < 300) options.onResume?.(request.getURL(), Number(response.getHeader('Upload-Offset')));
        const expires = response.getHeader('Upload-Expires');
        if (store && expires && status < 300) await store.recordExpiry(request.getURL(), new Date(expires)).catch(() => undefined);
      },
      onUploadUrlAvailable: options.onUploadUrl && (() => options.onUploadUrl!(tusUpload.url!)),
      onProgress: (sent, total) => options.onProgress?.(sent, total ?? undefined),
      onSuccess: () => {
        const url = tusUpload.url!;
        const forget = fingerprint && store ? store.removeFingerprint(fingerprint) : Promise.resolve();
        forget.then(
          () => finish(() => resolve(url)),
          () => finish(() => resolve(url)),
        );
      },
      onError: (error) => finish(() => reject(fromTusJsError(error))),
    }));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort(); // aborted while the source was opened or OPTIONS asked
    const start = async () => {
      const previous = fingerprint ? await tusUpload.findPreviousUploads() : [];
      // The most recent entry: an older one may belong to an upload that was given up.
      const latest = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
      if (latest) tusUpload.resumeFromPreviousUpload(latest);
      if (!settled) tusUpload.start();
    };
    start().catch((error: unknown) => finish(() => reject(fromTusJsError(error))));
  });
}
