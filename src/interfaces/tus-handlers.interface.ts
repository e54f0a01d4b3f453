import type { HandlerContext, PreCreateContext, PreCreateResult, UploadCompleteContext, UploadRecord } from '../protocol/upload-record.js';

/**
 * Runs before an upload is created. Throw any Nest `HttpException` to refuse it: its status and
 * message reach the client, with the tus headers. Write it as an ordinary `@Injectable()` provider:
 * its constructor may inject repositories from the modules given in `imports`.
 */
export interface PreCreateHandler {
  /** Return nothing to create the upload as asked, or decide its id, owner and server metadata. */
  onPreCreate(context: PreCreateContext): Promise<PreCreateResult | void> | PreCreateResult | void;
}

/**
 * Runs once an upload's last byte is stored, before the request that stored it is answered. An
 * `HttpException` becomes that answer (the bytes stay stored).
 */
export interface UploadCompleteHandler {
  onUploadComplete(upload: UploadRecord, context: UploadCompleteContext): Promise<void> | void;
}

/** Runs before a DELETE removes an upload; throw an `HttpException` to refuse it. */
export interface PreTerminateHandler {
  onPreTerminate(upload: UploadRecord, context: HandlerContext): Promise<void> | void;
}
