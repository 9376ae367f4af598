import { defineConfig } from 'vitest/config';

// Vitest runs the tests tsc compiled (npx tsc), like Jest: the exact code production runs,
// with the constructor types NestJS injects by (emitDecoratorMetadata) whatever Vite transforms.
export default defineConfig({
  test: {
    include: ['dist/test/**/*.e2e-spec.js'],
    globals: true, // describe/it/expect without imports, as under Jest
  },
});
