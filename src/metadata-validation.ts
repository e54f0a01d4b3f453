import type { Type } from '@nestjs/common';
import { validate, type ValidationError } from 'class-validator';

/**
 * Checks decoded `Upload-Metadata` against a class-validator DTO. Values are strings (or null for a
 * key without value), so decorators such as `@IsString()`, `@IsIn()`, `@Matches()`, `@MaxLength()` fit.
 * Keys the DTO does not mention are allowed: clients such as Uppy add their own.
 */
export async function validateMetadata(dto: Type<object>, metadata: Record<string, string | null>): Promise<string[]> {
  const errors = await validate(dtoInstance(dto, metadata), { forbidUnknownValues: false });
  return errors.flatMap(messages);
}

/**
 * The DTO holding the metadata as own data properties: a key such as `__proto__` or `toString` is a
 * value to validate, never a prototype or method change (plain assignment would invoke `__proto__`'s setter).
 */
function dtoInstance(dto: Type<object>, metadata: Record<string, string | null>): object {
  const instance = new dto();
  for (const key of Object.keys(metadata)) {
    // class-validator finds the rules through `instance.constructor`; no DTO field can be named so.
    if (key === 'constructor') continue;
    Object.defineProperty(instance, key, { value: metadata[key], enumerable: true, writable: true, configurable: true });
  }
  return instance;
}

function messages(error: ValidationError): string[] {
  const own = Object.values(error.constraints ?? {});
  return [...own, ...(error.children ?? []).flatMap(messages)];
}
