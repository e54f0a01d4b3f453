import type { CanActivate, DynamicModule, ForwardReference, Type } from '@nestjs/common';
import type { PreCreateHandler, PreTerminateHandler, UploadCompleteHandler } from '../interfaces/tus-handlers.interface.js';
import type { TusModuleOptions } from './tus-module-options.js';

/** A class for `forRootAsync({ useClass })` / `useExisting`: Nest builds it and asks it for the options. */
export interface TusOptionsFactory {
  createTusOptions(): TusModuleOptions | Promise<TusModuleOptions>;
}

/** Settings that shape the module itself, so they are synchronous even in `forRootAsync`. */
export interface TusModuleExtras {
  /** Controller path of the tus endpoint. Default `files`. */
  path?: string;
  /** Guards run on every tus request except OPTIONS (browser preflights carry no credentials). */
  guards?: Array<Type<CanActivate> | CanActivate>;
  /** Class implementing {@link PreCreateHandler}; Nest instantiates it inside this module. */
  preCreateHandler?: Type<PreCreateHandler>;
  /** Class implementing {@link UploadCompleteHandler}. */
  uploadCompleteHandler?: Type<UploadCompleteHandler>;
  /** Class implementing {@link PreTerminateHandler}: may refuse a DELETE. */
  preTerminateHandler?: Type<PreTerminateHandler>;
  /**
   * Name of this registration, for several endpoints in one app: inject its service with
   * `@InjectTusService(name)` (token `getTusServiceToken(name)`).
   */
  name?: string;
  /** Modules whose providers the handlers and guards inject (for `forRoot`; `forRootAsync` has its own). */
  imports?: Array<Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Make `TusService` injectable everywhere. Default false. */
  isGlobal?: boolean;
}
