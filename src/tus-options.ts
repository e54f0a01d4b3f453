// The module's options, defined in src/options/: kept at this path for the code that imports them.
export { resolveTusOptions } from './options/resolve-tus-options.js';
export type { MaxSizeResolver, PrincipalResolver, ResolvedTusOptions, TusCorsOptions, TusMetricsOptions, TusModuleOptions } from './options/tus-module-options.js';
export type { TusModuleExtras, TusOptionsFactory } from './options/tus-module-extras.js';
