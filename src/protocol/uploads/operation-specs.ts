import type { StoredUpload } from '../../storage/upload-store.js';
import type { ChecksumClaim } from './checksum.js';
import type { UploadMetadata } from './upload-metadata.js';

/** A new upload, as a protocol front end (tus v1 or the IETF draft) read it from its request. */
export interface CreationSpec {
  length?: number;
  metadata: UploadMetadata;
  rawMetadata?: string;
  /** tus concatenation: the upload is a part of a later final upload. */
  partial?: boolean;
  /** Whether the request body holds the upload's first bytes (creation-with-upload). */
  withBody: boolean;
  checksum?: ChecksumClaim;
  /** The client says this request ends the upload: a body read to its end fixes a deferred length. */
  completes?: boolean;
  /** Runs once the upload exists, before its body is read (the draft announces it with a 104 here). */
  onCreated?(location: string, upload: StoredUpload): Promise<void> | void;
}

/** Bytes for an existing upload. */
export interface AppendSpec {
  /** Where the client believes the upload stands. */
  offset: number;
  /** A total length this request declares (a deferred length becomes known, or a known one is repeated). */
  length?: number;
  checksum?: ChecksumClaim;
  /** The client says this request ends the upload (the draft's `Upload-Complete: ?1`). */
  completes?: boolean;
}

/** What offset retrieval may tell: a final still waiting for its parts has no offset yet. */
export interface UploadState {
  upload: StoredUpload;
  offset?: number;
  length?: number;
}
