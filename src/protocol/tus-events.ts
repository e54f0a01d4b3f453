import type { UploadRecord } from './upload-record.js';

/**
 * What happens to uploads, as `TusService.events$` tells it. Delivered after the fact and never
 * awaited: a slow subscriber cannot hold an upload back.
 */
export type TusEvent =
  /** An upload was created (before any creation-with-upload bytes). */
  | { type: 'created'; upload: UploadRecord }
  /** Bytes arrived: at most one per upload per `progressInterval`, and one when a request's body ends. */
  | { type: 'progress'; upload: UploadRecord }
  /** The last byte is stored and the UploadCompleteHandler (if any) succeeded. */
  | { type: 'completed'; upload: UploadRecord }
  /** Removed by a DELETE or `TusService.terminate()`. */
  | { type: 'terminated'; id: string }
  /** Removed by the expiration cleanup. */
  | { type: 'expired'; id: string }
  /** A request on the upload failed: `reason` says why, `status` is what the client got. */
  | { type: 'failed'; id: string; status: number; reason: string };

export type EmitEvent = (event: TusEvent) => void;
