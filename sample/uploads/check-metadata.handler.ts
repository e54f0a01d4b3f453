import { Injectable } from '@nestjs/common';
import type { PreCreateContext, PreCreateHandler, PreCreateResult } from '../../src/index.js';
import type { AuthenticatedRequest } from './token.guard.js';

/**
 * Runs before anything is stored (the metadata DTO has been checked already): keeps each user's
 * files in a folder of their own and remembers, server-side, where the upload came from.
 */
@Injectable()
export class CheckMetadataHandler implements PreCreateHandler {
  onPreCreate({ request }: PreCreateContext<AuthenticatedRequest>): PreCreateResult {
    const user = request.user.id;
    return { folder: `users/${user}`, serverMetadata: { userAgent: String(request.headers['user-agent'] ?? '') } };
  }
}
