import { StorageFullError } from '../storage/upload-store.js';
import type { IetfDraft } from './ietf-draft/ietf-draft.js';
import { draftInteropVersion } from './ietf-draft/ietf-draft-fields.js';
import { methodNotAllowed, storageFull } from './tus-error.js';
import type { TusRequest, TusResponse } from './tus-request.js';
import type { TusV1 } from './tus-v1.js';

export type { TusEngineConfig } from './uploads/engine-config.js';

/**
 * The protocol engine, framework-free: it takes a {@link TusRequest} and returns a {@link TusResponse}
 * or throws a {@link TusError}. It only dispatches: a request of a supported IETF draft interop version
 * goes to {@link IetfDraft}, any other to {@link TusV1}; both front ends run the same upload operations.
 */
export class TusEngine {
  constructor(
    private readonly tus: TusV1,
    private readonly draft: IetfDraft,
  ) {}

  async handle(req: TusRequest): Promise<TusResponse> {
    try {
      return await this.route(req);
    } catch (error) {
      // Out of space wherever it happened (info, tombstone, completion record, data): 507, never a 500.
      if (error instanceof StorageFullError) throw storageFull();
      throw error;
    }
  }

  private route(req: TusRequest): Promise<TusResponse> {
    const onCollection = req.method === 'OPTIONS' || req.method === 'POST';
    if (onCollection !== (req.id === undefined) && req.method !== 'OPTIONS') throw methodNotAllowed(req.method, req.id !== undefined);
    // Same endpoint, two protocols: only a supported draft interop version makes a draft request.
    const draftVersion = draftInteropVersion(req.headers);
    if (draftVersion !== undefined) return this.draft.handle(req, draftVersion);
    return this.tus.handle(req);
  }
}
