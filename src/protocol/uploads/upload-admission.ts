import { isValidFolder, isValidUploadId, newUploadId } from '../../storage/upload-id.js';
import type { StoredUpload } from '../../storage/upload-store.js';
import { badRequest } from '../tus-error.js';
import type { TusRequest } from '../tus-request.js';
import type { UploadMetadata } from './upload-metadata.js';
import type { EngineHooks, PreCreateContext } from '../upload-record.js';

/** How an admitted upload is to be created: its id, and what the application decided about it. */
export interface Admission {
  id: string;
  /** The id is ours (random), not the PreCreateHandler's: the store need not check that it is free. */
  generatedId: boolean;
  owner?: string;
  serverMetadata?: Record<string, unknown>;
  folder?: string;
}

/**
 * Who may create and see uploads, for every protocol front end alike: the metadata rules, the
 * PreCreateHandler's decision (id, owner, server metadata, folder), and ownership from the
 * `principal` option (another principal's upload does not exist for a request).
 */
export class UploadAdmission {
  constructor(private readonly hooks: EngineHooks) {}

  /**
   * Everything that decides whether and how an upload is created, after the protocol checks:
   * metadata rules, the PreCreateHandler (which may name the id, owner and server metadata) and
   * the owner from the `principal` option.
   */
  async admit(req: TusRequest, metadata: UploadMetadata, length: number | undefined, concat: PreCreateContext['concat']): Promise<Admission> {
    checkFilename(metadata);
    // A partial upload's metadata is not the user's file (tus-js-client sends none by default): the
    // DTO applies to the upload that is the file, plain or final.
    const problems = concat?.kind === 'partial' ? [] : ((await this.hooks.validateMetadata?.(metadata)) ?? []);
    if (problems.length > 0) throw badRequest('ERR_INVALID_METADATA', `invalid metadata: ${problems.join('; ')}`);
    const decision = (await this.hooks.preCreate?.({ request: req.context, params: req.params, metadata, length, concat })) ?? {};
    if (decision.id !== undefined && !isValidUploadId(decision.id)) {
      throw new Error(`the PreCreateHandler returned the upload id ${JSON.stringify(decision.id)}; ids are 1-100 characters of A-Z a-z 0-9 _ -`);
    }
    if (decision.folder !== undefined && !isValidFolder(decision.folder)) {
      throw new Error(`the PreCreateHandler returned the folder ${JSON.stringify(decision.folder)}; use up to 8 plain name segments joined by "/"`);
    }
    return {
      id: decision.id ?? newUploadId(),
      generatedId: decision.id === undefined,
      owner: decision.owner ?? (await this.principalOf(req)),
      serverMetadata: decision.serverMetadata,
      folder: decision.folder,
    };
  }

  principalOf(req: TusRequest): Promise<string | undefined> {
    return this.hooks.principal?.(req.context) ?? Promise.resolve(undefined);
  }

  /** With ownership on, an upload (or its tombstone) that has an owner belongs to that principal only. */
  owns(principal: string | undefined, upload: Pick<StoredUpload, 'owner'>): boolean {
    return !this.hooks.principal || upload.owner === undefined || upload.owner === principal;
  }
}

/** A file name is shown to people and put in headers: printable text only (never a storage path here). */
function checkFilename(metadata: UploadMetadata): void {
  const name = metadata.filename;
  if (name !== undefined && (name === null || name.length === 0 || name.length > 255 || hasControlCharacter(name))) {
    throw badRequest('ERR_INVALID_METADATA', 'metadata "filename" must be 1-255 printable characters');
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
