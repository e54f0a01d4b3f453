import { Inject, type Type } from '@nestjs/common';
import { TusService } from '../tus.service.js';

/**
 * The injection token of a registration's `TusService`: `getTusServiceToken('avatars')` for
 * `TusModule.forRoot({ name: 'avatars', ... })`, the `TusService` class itself without a name.
 */
export function getTusServiceToken(name?: string): string | Type<TusService> {
  return name ? `nestjs-tus:TusService:${name}` : TusService;
}

/** Injects the `TusService` of the registration with this name (the bull-style named-queue pattern). */
export const InjectTusService = (name?: string): ParameterDecorator & PropertyDecorator => Inject(getTusServiceToken(name));
