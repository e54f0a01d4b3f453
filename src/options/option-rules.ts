import { IsInt, Min, ValidateBy, buildMessage } from 'class-validator';

/** A class-validator rule from a predicate; `message` names the property as `$property`. */
export function Satisfies(name: string, validate: (value: unknown) => boolean, message: string): PropertyDecorator {
  return ValidateBy({ name, validator: { validate, defaultMessage: buildMessage((each) => `${each}${message}`) } });
}

/** An integer, at least 0 (one rule, so its two messages keep this order). */
export const IsNonNegativeInt = (): PropertyDecorator => (target, key) => [IsInt(), Min(0)].forEach((rule) => rule(target, key));

export const IsNonNegativeIntOrFunction = (): PropertyDecorator =>
  Satisfies(
    'isFunctionOr-non-negative integer',
    (value) => typeof value === 'function' || (Number.isSafeInteger(value) && (value as number) >= 0),
    '$property must be a non-negative integer or a function',
  );

export const IsOrigins = (): PropertyDecorator =>
  Satisfies(
    'isFunctionOr-origins',
    (value) => value === '*' || typeof value === 'function' || (Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0)),
    "$property must be '*', a list of origins or a function",
  );

/** An object with (at least) the required methods of an interface. */
export const Implements = (name: string, methods: readonly string[], kind: string): PropertyDecorator =>
  Satisfies(
    `isFunctionOr-${kind}`,
    (value) => typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
    `$property must implement the ${name} interface`,
  );

export function isDataRate(value: unknown): boolean {
  if (value === false) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { bytes, interval, ...rest } = value as Record<string, unknown>;
  const positive = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;
  return positive(bytes) && positive(interval) && Object.keys(rest).length === 0;
}
