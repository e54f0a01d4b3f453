import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Nest DI needs design:paramtypes: emit legacy decorators with metadata (nestjs-12.md §5).
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.spec.ts'],
    globals: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
