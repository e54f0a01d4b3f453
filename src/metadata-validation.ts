import type { Type } from '@nestjs/common';
import { validate, type ValidationError } from 'class-validator';

/**
 * Checks decoded `Upload-Metadata` against a class-validator DTO. Values are strings (or null for a
 * key without value), so decorators such as `@IsString()`, `@IsIn()`, `@Matches()`, `@MaxLength()` fit.
 * Keys the DTO does not mention are allowed: clients such as Uppy add their own.
 */
export async function validateMetadata(dto: Type<object>, metadata: Record<string, string | null>): Promise<string[]> {
  const instance = Object.assign(new dto(), metadata);
  const errors = await validate(instance, { forbidUnknownValues: false });
  return errors.flatMap(messages);
}

function messages(error: ValidationError): string[] {
  const own = Object.values(error.constraints ?? {});
  return [...own, ...(error.children ?? []).flatMap(messages)];
}
