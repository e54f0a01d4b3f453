import { createHash } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { TusClientError } from './errors.js';
import { mediaTypeOf } from './media-type.js';

/** A file path, the bytes themselves, or a stream (its length deferred unless `size` is given). */
export type UploadSource = string | Buffer | Readable;

/** The source as tus-js-client takes it, with what this client derives from it. */
export interface OpenedSource {
  input: Buffer | Readable;
  /** Undefined: the length is deferred until the stream ends. */
  size: number | undefined;
  /** Same bytes, same place → same fingerprint, so an interrupted upload is found again; null: not resumable. */
  fingerprint: string | null;
  /** `filename` and `filetype` for a path. */
  defaultMetadata: Record<string, string>;
  /** True when tus-js-client can only read it forwards (it then needs a finite chunkSize). */
  streaming: boolean;
}

export async function openSource(source: UploadSource, endpoint: string, size: number | undefined): Promise<OpenedSource> {
  if (typeof source === 'string') {
    const file = path.resolve(source);
    const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
      throw new TusClientError(`cannot read ${source}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { cause: error });
    });
    if (!info.isFile()) throw new TusClientError(`cannot upload ${source}: not a regular file`);
    const name = path.basename(file);
    return {
      input: createReadStream(file),
      size: info.size,
      fingerprint: ['file', file, info.size, info.mtimeMs, endpoint].join('|'),
      defaultMetadata: { filename: name, filetype: mediaTypeOf(name) },
      streaming: false,
    };
  }
  if (Buffer.isBuffer(source)) {
    const digest = createHash('sha256').update(source).digest('hex');
    return { input: source, size: source.length, fingerprint: ['buffer', digest, endpoint].join('|'), defaultMetadata: {}, streaming: false };
  }
  if (source instanceof ReadStream) {
    // tus-js-client reads an fs.ReadStream as the file (or the range) it was opened on.
    const file = path.resolve(String(source.path));
    const info = await stat(file);
    const range = source as ReadStream & { start?: number; end?: number };
    const start = range.start ?? 0;
    const end = Number.isFinite(range.end) ? range.end! + 1 : info.size;
    return { input: source, size: end - start, fingerprint: ['file', file, start, end, info.mtimeMs, endpoint].join('|'), defaultMetadata: {}, streaming: false };
  }
  if (source instanceof Readable) {
    return { input: source, size, fingerprint: null, defaultMetadata: {}, streaming: true };
  }
  throw new TusClientError('the upload source must be a file path, a Buffer or a Readable stream');
}
