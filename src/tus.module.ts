import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './tus.module-definition.js';

/**
 * The tus endpoint as a Nest module.
 *
 * ```ts
 * TusModule.forRoot({ path: 'files', directory: './uploads', uploadCompleteHandler: StoreInDb, imports: [DbModule] })
 * TusModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ maxSize: config.get('MAX_UPLOAD') }), guards: [AuthGuard] })
 * ```
 * Each call is its own endpoint with its own controller, store and `TusService`.
 */
@Module({})
export class TusModule extends ConfigurableModuleClass {}
