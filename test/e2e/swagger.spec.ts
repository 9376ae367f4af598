import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject, OperationObject, ParameterObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { chromium } from 'playwright-core';
import request from 'supertest';
import {
  Auth,
  AuthModule,
  MemorySessionStore,
  MemoryUserRepository,
  Public,
  UsersModule,
  WardenAuthGuard,
  wardenSwagger,
} from '../../src/index.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';

const csrfHeader = (operation: OperationObject) =>
  (operation.parameters as ParameterObject[] | undefined)?.find(
    (p) => p.in === 'header' && p.name === 'X-CSRF-Token',
  );

const both = [{ session: [] }, { bearer: [] }];

describe.each(ADAPTERS)('the example app on %s', (adapter) => {
  let t: TestApp;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    t = await startTestApp(adapter);
    doc = (await request(t.server).get('/docs-json').expect(200)).body as OpenAPIObject;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /docs-json', () => {
    it('defines the session cookie scheme with the app cookie name and the bearer scheme', () => {
      expect(doc.components?.securitySchemes).toEqual({
        session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'sid' }),
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      });
    });

    it('requires X-CSRF-Token on unsafe cookie-authenticated operations only', () => {
      for (const [path, method] of [
        ['/auth/logout', 'post'],
        ['/auth/password', 'post'],
        ['/auth/sessions', 'delete'],
        ['/auth/sessions/{id}', 'delete'],
      ] as const) {
        const operation = doc.paths[path][method] as OperationObject;
        expect(operation.security).toEqual(expect.arrayContaining(both));
        expect(csrfHeader(operation)).toMatchObject({ required: true, schema: { type: 'string' } });
      }
      for (const [path, method] of [
        ['/auth/me', 'get'],
        ['/auth/sessions', 'get'],
        ['/auth/login', 'post'],
        ['/auth/register', 'post'],
        ['/auth/token', 'post'],
        ['/auth/token/refresh', 'post'],
      ] as const) {
        expect(csrfHeader(doc.paths[path][method] as OperationObject)).toBeUndefined();
      }
    });

    it('gives public routes no security entry and leaves no x-warden-public marker', () => {
      expect(doc.paths['/auth/login'].post?.security).toBeUndefined();
      expect(JSON.stringify(doc)).not.toContain('x-warden-public');
    });
  });

  describe('GET /docs in headless Chromium', () => {
    it('lists both schemes in the Authorize dialog', async () => {
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox'],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/docs`);
        await page.locator('button.authorize').first().click();
        const dialog = page.locator('.dialog-ux .modal-ux');
        await dialog.waitFor();
        const titles = await dialog.locator('.auth-container h4').allInnerTexts();
        expect(titles.map((title) => title.split(/\s/)[0]).sort()).toEqual(['bearer', 'session']);
        await expect(dialog.innerText()).resolves.toContain('sid');
      } finally {
        await browser.close();
      }
    });
  });
});

describe('the example app with COOKIE_SECURE=true', () => {
  it('names the cookie __Host-sid in the session scheme', async () => {
    const t = await startTestApp('express', { COOKIE_SECURE: 'true' });
    try {
      const doc = (await request(t.server).get('/docs-json').expect(200)).body as OpenAPIObject;
      expect(doc.components?.securitySchemes?.session).toMatchObject({ name: '__Host-sid' });
    } finally {
      await t.close();
    }
  });
});

@Controller('projects')
class ProjectsController {
  @Public()
  @Get('public')
  open() {
    return { open: true };
  }

  @Get()
  list() {
    return [];
  }

  @Post()
  create() {
    return { created: true };
  }

  @Auth('admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }
}

@Public()
@Controller('status')
class StatusController {
  @Post('ping')
  ping() {
    return { pong: true };
  }
}

const secret = 'host-app-secret-0123456789abcdefghijk';

async function hostApp(options: { tokens: boolean; globalGuard: boolean }) {
  const auth = AuthModule.forRoot({
    sessionStore: new MemorySessionStore(),
    session: { secrets: [secret], cookieSecure: false },
    ...(options.tokens ? { tokens: { secrets: [secret] } } : {}),
  });
  @Module({
    imports: [UsersModule.forRoot({ repository: new MemoryUserRepository() }), auth],
    controllers: [ProjectsController, StatusController],
    providers: options.globalGuard ? [{ provide: APP_GUARD, useClass: WardenAuthGuard }] : [],
  })
  class HostAppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HostAppModule] }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const document = wardenSwagger(
    app,
    SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('host').build()),
  );
  return { app, document };
}

describe('wardenSwagger', () => {
  describe('in a host app with WardenAuthGuard as APP_GUARD', () => {
    let app: INestApplication;
    let doc: OpenAPIObject;
    beforeAll(async () => {
      ({ app, document: doc } = await hostApp({ tokens: true, globalGuard: true }));
    });
    afterAll(async () => {
      await app?.close();
    });

    it('defines both schemes', () => {
      expect(doc.components?.securitySchemes).toMatchObject({
        session: { type: 'apiKey', in: 'cookie', name: 'sid' },
        bearer: { type: 'http', scheme: 'bearer' },
      });
    });

    it('gives routes without @Public() the security entry, 401 and 403', () => {
      for (const operation of [doc.paths['/projects'].get, doc.paths['/projects'].post]) {
        expect(operation?.security).toEqual(both);
        expect(operation?.responses).toHaveProperty('401');
        expect(operation?.responses).toHaveProperty('403');
      }
      expect(csrfHeader(doc.paths['/projects'].post as OperationObject)).toMatchObject({
        required: true,
      });
      expect(csrfHeader(doc.paths['/projects'].get as OperationObject)).toBeUndefined();
    });

    it('leaves @Public() routes and controllers, and the library public routes, unsecured', () => {
      for (const operation of [
        doc.paths['/projects/public'].get,
        doc.paths['/status/ping'].post,
        doc.paths['/auth/login'].post,
        doc.paths['/auth/register'].post,
        doc.paths['/auth/token/refresh'].post,
      ]) {
        expect(operation?.security).toBeUndefined();
        expect(csrfHeader(operation as OperationObject)).toBeUndefined();
      }
    });

    it('matches what the guard enforces: the documented routes answer 401, the public ones do not', async () => {
      await request(app.getHttpServer()).get('/projects').expect(401);
      await request(app.getHttpServer()).post('/projects').expect(401);
      await request(app.getHttpServer()).get('/projects/public').expect(200);
      await request(app.getHttpServer()).post('/status/ping').expect(201);
    });
  });

  describe('in a host app without a global guard nor tokens', () => {
    let app: INestApplication;
    let doc: OpenAPIObject;
    beforeAll(async () => {
      ({ app, document: doc } = await hostApp({ tokens: false, globalGuard: false }));
    });
    afterAll(async () => {
      await app?.close();
    });

    it('defines the session scheme only, and @Auth() routes reference it alone', () => {
      expect(Object.keys(doc.components?.securitySchemes ?? {})).toEqual(['session']);
      expect(doc.paths['/projects/admin'].get?.security).toEqual([{ session: [] }]);
      expect(doc.paths['/auth/logout'].post?.security).toEqual([{ session: [] }]);
    });

    it('leaves routes without @Auth() unsecured (no guard protects them)', () => {
      expect(doc.paths['/projects'].get?.security).toBeUndefined();
      expect(csrfHeader(doc.paths['/projects'].post as OperationObject)).toBeUndefined();
    });
  });
});
