import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { FastifyBodyRegistrar } from './http/fastify-body.registrar.js';
import { createTusController } from './http/tus-controller.factory.js';
import { TusExceptionFilter } from './http/tus-exception.filter.js';
import { getTusServiceToken } from './decorators/inject-tus-service.decorator.js';
import { PRE_CREATE_HANDLER, PRE_TERMINATE_HANDLER, TUS_ENDPOINT, TUS_MODULE_OPTIONS, UPLOAD_COMPLETE_HANDLER } from './tus.constants.js';
import type { TusModuleExtras, TusModuleOptions } from './tus-options.js';
import { TusLifecycle } from './tus.lifecycle.js';
import { TUS_PROVIDERS } from './tus.providers.js';
import { TusService } from './tus.service.js';

const EXTRAS_DEFAULTS: TusModuleExtras = {
  path: 'files',
  guards: [],
  preCreateHandler: undefined,
  uploadCompleteHandler: undefined,
  preTerminateHandler: undefined,
  name: undefined,
  imports: [],
  isGlobal: false,
};

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<TusModuleOptions>({
  moduleName: 'Tus',
  optionsInjectionToken: TUS_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTusOptions')
  .setExtras<TusModuleExtras>(EXTRAS_DEFAULTS, (definition, extras) => {
    const handlers: Provider[] = [];
    if (extras.preCreateHandler) {
      handlers.push(extras.preCreateHandler, { provide: PRE_CREATE_HANDLER, useExisting: extras.preCreateHandler });
    }
    if (extras.uploadCompleteHandler) {
      handlers.push(extras.uploadCompleteHandler, { provide: UPLOAD_COMPLETE_HANDLER, useExisting: extras.uploadCompleteHandler });
    }
    if (extras.preTerminateHandler) {
      handlers.push(extras.preTerminateHandler, { provide: PRE_TERMINATE_HANDLER, useExisting: extras.preTerminateHandler });
    }
    // A named registration is injectable by its name too, so several endpoints can live side by side.
    const named: Provider[] = extras.name ? [{ provide: getTusServiceToken(extras.name), useExisting: TusService }] : [];
    const endpoint: Provider = { provide: TUS_ENDPOINT, useValue: extras.name ?? extras.path ?? 'files' };
    return {
      ...definition,
      global: extras.isGlobal,
      imports: [...(definition.imports ?? []), ...(extras.imports ?? [])],
      controllers: [createTusController(extras.path ?? 'files', extras.guards ?? [])],
      providers: [...(definition.providers ?? []), ...handlers, endpoint, ...TUS_PROVIDERS, TusService, TusLifecycle, ...named, TusExceptionFilter, FastifyBodyRegistrar],
      exports: [TusService, ...named.map((p) => (p as { provide: string }).provide)],
    };
  })
  .build();
