import { IsOptional, validateSync, type ValidationError } from 'class-validator';
import type { OptionSpec, OptionTable } from './option-spec.js';

const schemas = new WeakMap<OptionTable, new () => object>();

/**
 * Every problem with `value` against the table, one line each and naming the option (under `prefix`):
 * rule failures, unknown keys (typos), then the nested tables, then each option's further checks.
 */
export function optionProblems(table: OptionTable, value: object, prefix = ''): string[] {
  const errors = validateSync(Object.assign(new (schemaOf(table))(), value), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  const problems = errors.map((error) => describe(error, prefix));
  const failed = new Set(errors.map((error) => error.property));
  const given = value as Record<string, unknown>;
  for (const [name, spec] of entries(table)) {
    const option = given[name];
    if (spec.nested && option && typeof option === 'object') problems.push(...optionProblems(spec.nested, option, `${prefix}${name}.`));
  }
  for (const [name, spec] of entries(table)) {
    const option = given[name];
    if (spec.problems && option !== undefined && option !== null && !failed.has(name)) problems.push(...spec.problems(option).map((p) => `${prefix}${name}: ${p}`));
  }
  return problems;
}

function entries(table: OptionTable): Array<[string, OptionSpec<unknown>]> {
  return Object.entries(table);
}

/** A class carrying the table's rules as decorators, built once per table, as if written by hand. */
function schemaOf(table: OptionTable): new () => object {
  let schema = schemas.get(table);
  if (!schema) {
    const built = class OptionsSchema {};
    for (const [name, spec] of entries(table)) {
      // Decorators written on a property apply bottom-up.
      for (const rule of [IsOptional(), ...spec.rules].reverse()) rule(built.prototype, name);
    }
    schemas.set(table, (schema = built));
  }
  return schema;
}

function describe(error: ValidationError, prefix: string): string {
  const name = `${prefix}${error.property}`;
  if (error.constraints?.whitelistValidation) return `${name}: unknown option (check the spelling)`;
  const reasons = Object.values(error.constraints ?? {}).map((m) => m.replace(error.property, name));
  return `${name}: ${reasons.join('; ')} (got ${preview(error.value)})`;
}

function preview(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
