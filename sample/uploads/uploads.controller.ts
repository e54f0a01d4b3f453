import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TokenGuard, type AuthenticatedRequest } from './token.guard.js';
import { UploadEntity } from './upload.entity.js';

/** GET /uploads: what the completion handler saved of the caller's own uploads (same token as for tus). */
@Controller('uploads')
@UseGuards(TokenGuard)
export class UploadsController {
  constructor(@InjectRepository(UploadEntity) private readonly uploads: Repository<UploadEntity>) {}

  @Get()
  list(@Req() request: AuthenticatedRequest): Promise<UploadEntity[]> {
    return this.uploads.find({ where: { owner: request.user.id }, order: { completedAt: 'ASC' } });
  }
}
