import type { StoredUpload } from '../storage/upload-store.js';

/** An upload as user code sees it. */
export interface UploadRecord {
  id: string;
  /** Total size in bytes; undefined while the client has not declared it yet. */
  length?: number;
  /** Bytes stored so far. */
  offset: number;
  /** Client metadata, decoded from `Upload-Metadata` (a key without value maps to null). */
  metadata: Record<string, string | null>;
  /** `Upload-Metadata` exactly as the client sent it. */
  rawMetadata?: string;
  createdAt: Date;
  /** Time of the last stored byte (of completion, for a complete upload). */
  updatedAt: Date;
  /** True once every byte of a known length is stored. */
  complete: boolean;
}

export function toUploadRecord(upload: StoredUpload): UploadRecord {
  return {
    id: upload.id,
    length: upload.length,
    offset: upload.offset,
    metadata: { ...upload.metadata },
    rawMetadata: upload.rawMetadata,
    createdAt: new Date(upload.createdAt),
    updatedAt: new Date(upload.updatedAt),
    complete: upload.length !== undefined && upload.offset === upload.length,
  };
}

/** What a pre-create hook learns about the upload about to be created. */
export interface PreCreateContext<TRequest = any> {
  /** The framework request (Express or Fastify), with whatever guards put on it (e.g. `user`). */
  request: TRequest;
  /** Decoded client metadata. */
  metadata: Record<string, string | null>;
  /** Declared size, or undefined when the client deferred it. */
  length: number | undefined;
}

export interface UploadCompleteContext<TRequest = any> {
  /** The request that stored the last byte. */
  request: TRequest;
}

/** Callbacks the engine runs; the Nest layer binds them to the user's handler providers. */
export interface EngineHooks {
  preCreate?(context: PreCreateContext): Promise<void> | void;
  uploadComplete?(upload: UploadRecord, context: UploadCompleteContext): Promise<void> | void;
}
