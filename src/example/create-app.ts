import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { wardenSwagger } from '../auth/warden-swagger.js';
import type { Clock } from '../core/clock.js';
import { securityHeaders } from '../security/security-headers.js';
import { AppModule } from './app.module.js';
import type { ExampleConfig } from './config.js';
import { loadExampleConfig } from './config.js';

/** JSON bodies are capped at 16 KB: a bigger one gets 413 before any work. */
export const JSON_BODY_LIMIT_BYTES = 16 * 1024;

/** Options of {@link createApp} for tests and embedding. */
export interface CreateAppOptions {
  /** PostgreSQL schema to use (tests isolate each run in its own). */
  databaseSchema?: string;
  /** Where time comes from (tests pass a fake clock). @default the system clock */
  clock?: Clock;
  /** Nest log levels. @default ['log','warn','error'] */
  logger?: LogLevel[] | false;
}

/**
 * Builds the example app from an environment (`API.md`), on Express or Fastify, with Swagger
 * at `/docs` and `/docs-json`. Not listening yet: call `app.listen()` or `app.init()`.
 */
export async function createApp(
  env: Record<string, string | undefined>,
  options: CreateAppOptions = {},
): Promise<{ app: INestApplication; config: ExampleConfig }> {
  const config = loadExampleConfig(env);
  const module = AppModule.forRoot(config, {
    databaseSchema: options.databaseSchema,
    clock: options.clock,
  });
  const logger = options.logger ?? ['log', 'warn', 'error'];
  let app: INestApplication;
  if (config.adapter === 'fastify') {
    const adapter = new FastifyAdapter({
      bodyLimit: JSON_BODY_LIMIT_BYTES,
      trustProxy: (_address: string, hop: number) =>
        config.trustProxy !== false && hop < config.trustProxy,
    });
    app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger });
  } else {
    const express = await NestFactory.create<NestExpressApplication>(module, {
      logger,
      bodyParser: false,
    });
    express.disable('x-powered-by');
    // No ETag: nest-warden answers no-store, which no cache keeps and so never revalidates, and
    // Express would hash every JSON body for it (Fastify sends none either).
    express.set('etag', false);
    express.use(securityHeaders({ hsts: config.cookieSecure }));
    express.set('trust proxy', config.trustProxy);
    express.useBodyParser('json', { limit: JSON_BODY_LIMIT_BYTES });
    app = express;
  }
  if (config.adapter === 'fastify') app.use(securityHeaders({ hsts: config.cookieSecure }));
  app.enableShutdownHooks();
  // Both security schemes (with the cookie name of the session options), X-CSRF-Token on unsafe
  // cookie-authenticated operations: one call, as in the README.
  const document = wardenSwagger(
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('nest-warden example')
        .setDescription('Authentication and session security for NestJS (nest-warden).')
        .setVersion('0.1.0')
        .build(),
    ),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return { app, config };
}
