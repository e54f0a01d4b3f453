import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Nest DI needs design:paramtypes: legacy decorators with metadata (`legacy` alone leaves constructor deps undefined).
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
