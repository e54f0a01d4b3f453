import { Injectable, Logger, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user: { id: string };
}

/**
 * `Authorization: Bearer <token>` names the user, from UPLOAD_TOKENS (`alice:s3cret,bob:hunter2`).
 * Without UPLOAD_TOKENS the sample is open: requests without a token act as the user `guest`.
 */
@Injectable()
export class TokenGuard implements CanActivate {
  private readonly users = new Map<string, string>();

  constructor() {
    for (const pair of (process.env.UPLOAD_TOKENS ?? '').split(',').filter(Boolean)) {
      const [user, token] = pair.split(':');
      if (user && token) this.users.set(token, user);
    }
    if (this.users.size === 0) new Logger('TokenGuard').warn('UPLOAD_TOKENS is not set: anyone can upload, as "guest"');
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (header === undefined && this.users.size === 0) {
      request.user = { id: 'guest' };
      return true;
    }
    const user = typeof header === 'string' && header.startsWith('Bearer ') ? this.users.get(header.slice(7)) : undefined;
    if (!user) throw new UnauthorizedException('send Authorization: Bearer <token> (see UPLOAD_TOKENS)');
    request.user = { id: user };
    return true;
  }
}
