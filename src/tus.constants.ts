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
