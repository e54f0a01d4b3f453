import { metadataObject } from '../metadata-object.js';
import { isValidFolder, isValidUploadId } from '../upload-id.js';
import type { ConcatInfo, GoneReason, NewUpload, StoredUpload } from '../upload-store.js';

/**
 * Where an upload's objects live, under the store's key prefix `P`:
 *
 *   P<id>                  the bytes, once complete (with a folder: P<folder>/<id>); during the upload
 *                          this key holds the S3 multipart upload
 *   P<id>.info             JSON: info, progress (committed parts, pending piece) or the tombstone
 *   P<id>.piece.<n>        the pending piece: bytes not filling a part yet
 *   P<id>.staged.<n>       a checksummed chunk waiting for its verdict
 *   P<id>.final.<finalId>  on a partial upload: a final upload waits for it
 *   P.tus-completions/<id> a completed upload whose completion handler has not succeeded yet
 *
 * Ids are `[A-Za-z0-9_-]` and folders start with a letter or digit, so none of these collide.
 */
export class KeyLayout {
  constructor(readonly prefix: string) {}

  info(id: string): string {
    return `${this.prefix}${checkedId(id)}.info`;
  }

  piece(id: string, n: number): string {
    return `${this.prefix}${checkedId(id)}.piece.${n}`;
  }

  staged(id: string, n: number): string {
    return `${this.prefix}${checkedId(id)}.staged.${n}`;
  }

  finalLink(partialId: string, finalId: string): string {
    return `${this.prefix}${checkedId(partialId)}.final.${checkedId(finalId)}`;
  }

  finalLinks(partialId: string): string {
    return `${this.prefix}${checkedId(partialId)}.final.`;
  }

  /** Every auxiliary object of an upload (info included). */
  related(id: string): string {
    return `${this.prefix}${checkedId(id)}.`;
  }

  object(id: string, folder?: string): string {
    return folder ? `${this.prefix}${checkedFolder(folder)}/${checkedId(id)}` : `${this.prefix}${checkedId(id)}`;
  }

  completion(id: string): string {
    return `${this.completions()}${checkedId(id)}`;
  }

  completions(): string {
    return `${this.prefix}.tus-completions/`;
  }

  /** The id of an info key listed at the top of the prefix, or undefined for any other key. */
  idOfInfo(key: string): string | undefined {
    if (!key.startsWith(this.prefix) || !key.endsWith('.info')) return undefined;
    const id = key.slice(this.prefix.length, -'.info'.length);
    return isValidUploadId(id) ? id : undefined;
  }
}

/** Where the bytes are: counted from the committed state, never from what is still in memory. */
export interface Progress {
  /** The multipart upload, created with the first part. */
  uploadId?: string;
  /** Committed parts 1..parts and the bytes in them. */
  parts: number;
  partBytes: number;
  /** Equal-parts mode: the size of every part but the last, fixed by the first. */
  partSize?: number;
  /** The pending piece (P<id>.piece.<n>), bytes after the parts. */
  piece?: { n: number; size: number };
  /** The number of the last piece written, so a new one never overwrites the committed one. */
  pieceSeq: number;
  /** The object holds every byte (for a final: it is assembled). */
  done?: boolean;
  /** Epoch ms of the last commit. */
  updatedAt: number;
}

export interface InfoDocument extends Omit<NewUpload, 'concat'> {
  concat?: ConcatInfo;
  progress: Progress;
}

export interface TombstoneDocument {
  id: string;
  gone: GoneReason;
  at: number;
  folder?: string;
  /** Whose the upload was (absent in tombstones written before owners were kept). */
  owner?: string;
  uploadId?: string;
}

export type StoredDocument = InfoDocument | TombstoneDocument;

export function isTombstone(doc: StoredDocument): doc is TombstoneDocument {
  return 'gone' in doc;
}

/** Bytes stored: committed parts plus the committed piece (all of them once complete). */
export function offsetOf(doc: InfoDocument): number {
  const p = doc.progress;
  if (p.done) return doc.length ?? p.partBytes;
  return p.partBytes + (p.piece?.size ?? 0);
}

/** The upload as the engine sees it: a fresh object on every call. */
export function toStoredUpload(doc: InfoDocument, finals?: string[]): StoredUpload {
  const upload: StoredUpload = {
    id: doc.id,
    length: doc.length,
    offset: offsetOf(doc),
    metadata: metadataObject(doc.metadata),
    rawMetadata: doc.rawMetadata,
    createdAt: doc.createdAt,
    updatedAt: doc.progress.updatedAt,
    owner: doc.owner,
    serverMetadata: doc.serverMetadata,
    folder: doc.folder,
  };
  if (doc.concat?.kind === 'final') upload.concat = { ...doc.concat, parts: [...doc.concat.parts], assembled: doc.progress.done === true };
  else if (doc.concat) upload.concat = finals && finals.length > 0 ? { kind: 'partial', finals } : { kind: 'partial' };
  return upload;
}

/** The `Content-Type` of the object: the client's `filetype` (or `contentType`) when well-formed. */
export function contentTypeOf(metadata: Record<string, string | null>): string {
  const raw = (metadata.filetype || metadata.contentType || '').split(';')[0].trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(raw) ? raw : 'application/octet-stream';
}

function checkedId(id: string): string {
  if (!isValidUploadId(id)) throw new Error(`invalid upload id ${JSON.stringify(id)}`);
  return id;
}

function checkedFolder(folder: string): string {
  if (!isValidFolder(folder)) throw new Error(`invalid upload folder ${JSON.stringify(folder)}`);
  return folder;
}
