import { Injectable, Logger, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

/**
 * Lets a request through when it carries `Authorization: Bearer <UPLOAD_TOKEN>`. Without the
 * UPLOAD_TOKEN environment variable the endpoint is open (handy on a laptop), and says so once.
 */
@Injectable()
export class TokenGuard implements CanActivate {
  private readonly token = process.env.UPLOAD_TOKEN;

  constructor() {
    if (!this.token) new Logger('TokenGuard').warn('UPLOAD_TOKEN is not set: anyone can upload');
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (request.headers.authorization === `Bearer ${this.token}`) return true;
    throw new UnauthorizedException('send Authorization: Bearer <UPLOAD_TOKEN>');
  }
}
