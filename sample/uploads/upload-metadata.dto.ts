import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** What clients must send as `Upload-Metadata` (tus-js-client: `metadata: { filename, filetype }`). */
export class UploadMetadataDto {
  @IsString()
  @MaxLength(200)
  filename!: string;

  @IsOptional()
  @Matches(/^[\w.+-]+\/[\w.+-]+$/, { message: 'filetype must be a media type such as image/png' })
  filetype?: string;
}
