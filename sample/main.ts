import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { UploadStorage } from './storage.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  new Logger('Sample').log(`tus endpoint ready at ${url}/files (${app.get(UploadStorage).summary})`);
}

void bootstrap();
