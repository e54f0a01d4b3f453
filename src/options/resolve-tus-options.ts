import { defaultsOf, type OptionTable } from './option-spec.js';
import { optionProblems } from './option-validation.js';
import { MODULE_OPTION_SPECS, type ResolvedTusOptions, type TusModuleOptions } from './tus-module-options.js';

/**
 * Validates options at start-up and fills in defaults. A bad option fails the application's
 * bootstrap with one message per offending option, naming it.
 */
export function resolveTusOptions(options: TusModuleOptions = {}): ResolvedTusOptions {
  const problems = optionProblems(MODULE_OPTION_SPECS, options);
  if (problems.length > 0) {
    throw new Error(`Invalid TusModule options:\n  - ${problems.join('\n  - ')}`);
  }
  return withDefaults(MODULE_OPTION_SPECS, options) as ResolvedTusOptions;
}

/**
 * The given options over the defaults; an option left undefined takes its default. A nested table's
 * options are filled in the same way, unless the option is `false` (switched off).
 */
function withDefaults(table: OptionTable, options: object): Record<string, unknown> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const resolved: Record<string, unknown> = { ...defaultsOf(table), ...defined };
  for (const [name, spec] of Object.entries(table)) {
    const value = (options as Record<string, unknown>)[name];
    if (spec.nested) resolved[name] = value === false ? false : { ...defaultsOf(spec.nested), ...(value as object | undefined) };
  }
  return resolved;
}
