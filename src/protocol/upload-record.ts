import type { Readable } from 'node:stream';
import { metadataObject } from '../storage/metadata-object.js';
import type { ByteSpan, StoredUpload } from '../storage/upload-store.js';

/** An upload as user code sees it. */
export interface UploadRecord {
  id: string;
  /** Total size in bytes; undefined while the client has not declared it yet. */
  length?: number;
  /** Bytes stored so far. */
  offset: number;
  /**
   * Client metadata, decoded from `Upload-Metadata` (a key without value maps to null), in a
   * null-prototype object: any key (`constructor`, `__proto__`…) is the client's data.
   */
  metadata: Record<string, string | null>;
  /** `Upload-Metadata` exactly as the client sent it. */
  rawMetadata?: string;
  /** What the PreCreateHandler stored beside the upload; never sent to clients. */
  serverMetadata?: Record<string, unknown>;
  /** The principal that owns the upload (see the `principal` option), if any. */
  owner?: string;
  /** Where under the store's root the bytes live (a PreCreateHandler's `folder`), if not at the top. */
  folder?: string;
  createdAt: Date;
  /** Time of the last stored byte. */
  updatedAt: Date;
  /** Time of the last byte of a complete upload. */
  completedAt?: Date;
  /** Milliseconds from creation to completion. */
  durationMs?: number;
  /** True once every byte of a known length is stored. */
  complete: boolean;
  /** For concatenation: a partial upload, or a final one made of these part ids. */
  concat?: { kind: 'partial' } | { kind: 'final'; parts: string[] };
}

export function toUploadRecord(upload: StoredUpload): UploadRecord {
  const complete = upload.length !== undefined && upload.offset === upload.length;
  return {
    id: upload.id,
    length: upload.length,
    offset: upload.offset,
    metadata: metadataObject(upload.metadata),
    rawMetadata: upload.rawMetadata,
    serverMetadata: upload.serverMetadata && structuredClone(upload.serverMetadata),
    owner: upload.owner,
    folder: upload.folder,
    createdAt: new Date(upload.createdAt),
    updatedAt: new Date(upload.updatedAt),
    completedAt: complete ? new Date(upload.updatedAt) : undefined,
    durationMs: complete ? upload.updatedAt - upload.createdAt : undefined,
    complete,
    concat: upload.concat && (upload.concat.kind === 'partial' ? { kind: 'partial' } : { kind: 'final', parts: [...upload.concat.parts] }),
  };
}

/** What every handler learns about the request. */
export interface HandlerContext<TRequest = any> {
  /** The framework request (Express or Fastify), with whatever guards put on it (e.g. `user`). */
  request: TRequest;
  /** Route parameters of the endpoint's path, e.g. `{ username }` for `users/:username/files`. */
  params: Record<string, string>;
}

/** What a pre-create hook learns about the upload about to be created. */
export interface PreCreateContext<TRequest = any> extends HandlerContext<TRequest> {
  /** Decoded client metadata, in a null-prototype object (every key is the client's data). */
  metadata: Record<string, string | null>;
  /** Declared size, or undefined when the client deferred it. */
  length: number | undefined;
  /** Set when the client creates a partial upload, or a final one from these part ids. */
  concat?: { kind: 'partial' } | { kind: 'final'; parts: string[] };
}

/** What a pre-create hook may decide about the upload it lets through. */
export interface PreCreateResult {
  /** The id to use instead of a random one: 1–100 characters of `[A-Za-z0-9_-]`; taken → 409. */
  id?: string;
  /** The owner to record (wins over the `principal` option). */
  owner?: string;
  /** Data of yours stored beside the upload and handed back to later handlers; never sent to clients. */
  serverMetadata?: Record<string, unknown>;
  /**
   * Where to keep the bytes under the store's root: a sub-folder of the file store (or a key prefix of
   * an object store), e.g. `users/${user.id}`. Plain name segments only; the id stays unique store-wide.
   */
  folder?: string;
}

export interface UploadCompleteContext<TRequest = any> extends HandlerContext<TRequest> {
  /** Opens the upload's bytes (optionally an inclusive byte range). */
  read(range?: ByteSpan): Promise<Readable>;
}

/** Callbacks the engine runs; the Nest layer binds them to the user's handler providers. */
export interface EngineHooks {
  preCreate?(context: PreCreateContext): Promise<PreCreateResult | void> | PreCreateResult | void;
  uploadComplete?(upload: UploadRecord, context: UploadCompleteContext): Promise<void> | void;
  preTerminate?(upload: UploadRecord, context: HandlerContext): Promise<void> | void;
  /** Checks decoded metadata (e.g. a class-validator DTO); resolves with the problems found. */
  validateMetadata?(metadata: Record<string, string | null>): Promise<string[]>;
  /** Who is asking (the `principal` option); uploads with another owner then answer 404. */
  principal?(request: unknown): Promise<string | undefined>;
}
