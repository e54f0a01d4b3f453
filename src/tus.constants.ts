/** Injection token of the user's PreCreateHandler (an alias of the class given in `preCreateHandler`). */
export const PRE_CREATE_HANDLER = Symbol('nestjs-tus:PRE_CREATE_HANDLER');
/** Injection token of the user's UploadCompleteHandler. */
export const UPLOAD_COMPLETE_HANDLER = Symbol('nestjs-tus:UPLOAD_COMPLETE_HANDLER');
/** Injection token of the module options (what `forRoot` / the `forRootAsync` factory gave). */
export const TUS_MODULE_OPTIONS = Symbol('nestjs-tus:MODULE_OPTIONS');
/** Injection token of the user's PreTerminateHandler. */
export const PRE_TERMINATE_HANDLER = Symbol('nestjs-tus:PRE_TERMINATE_HANDLER');
/** @internal the registration's name for metrics and health (its `name`, else its `path`). */
export const TUS_ENDPOINT = Symbol('nestjs-tus:ENDPOINT');
/** @internal the registration's options with defaults filled in (`ResolvedTusOptions`). */
export const TUS_RESOLVED_OPTIONS = Symbol('nestjs-tus:RESOLVED_OPTIONS');
/** @internal the registration's store as given (or the default FileStore), not observed by metrics. */
export const TUS_STORE = Symbol('nestjs-tus:STORE');
/** @internal the locker the operations use: the given one (or in-memory), observed, draining on shutdown. */
export const TUS_LOCKER = Symbol('nestjs-tus:LOCKER');
/** @internal the Subject behind `TusService.events$`. */
export const TUS_EVENTS = Symbol('nestjs-tus:EVENTS');
/** @internal the registration's `TusMetrics`, or null when metrics are off. */
export const TUS_METRICS = Symbol('nestjs-tus:METRICS');
/** @internal the registration's `GracefulShutdown`. */
export const TUS_SHUTDOWN = Symbol('nestjs-tus:SHUTDOWN');
