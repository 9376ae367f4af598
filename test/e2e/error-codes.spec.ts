import type { INestApplication } from '@nestjs/common';
import { BadRequestException, Body, Controller, Module, Post } from '@nestjs/common';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthModule,
  MemorySessionStore,
  MemoryUserRepository,
  UsersModule,
  WardenErrorCode,
} from '../../src/index.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';

const ERROR_REF = '#/components/schemas/WardenErrorResponseDto';
const JSON_BODY_ROUTES = [
  ['/auth/register', 'post'],
  ['/auth/login', 'post'],
  ['/auth/password', 'post'],
  ['/auth/token', 'post'],
  ['/auth/token/refresh', 'post'],
  ['/auth/token/revoke', 'post'],
] as const;

describe.each(ADAPTERS)('error codes on %s', (adapter) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(adapter);
  });
  afterAll(async () => {
    await t?.close();
  });

  const json = (path: string, body: string) =>
    request(t.server).post(path).set('Content-Type', 'application/json').send(body);

  describe('over HTTP', () => {
    it.each([
      [
        'an unknown field',
        '/auth/register',
        '{"email":"a@example.com","password":"x","admin":true}',
      ],
      ['a missing field', '/auth/register', '{"email":"a@example.com"}'],
      ['a wrong type', '/auth/register', '{"email":5,"password":"a long passphrase"}'],
      ['a wrong type', '/auth/token/refresh', '{"refreshToken":5}'],
      ['malformed JSON', '/auth/register', '{"email":"a@example.com","password":"hunter2-secret'],
      ['malformed JSON', '/auth/login', '{"email":'],
      ['an empty body', '/auth/login', ''],
      ['a null body', '/auth/register', 'null'],
    ])('answers %s on %s with 400 VALIDATION_FAILED', async (_what, path, body) => {
      const res = await json(path, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: WardenErrorCode.VALIDATION_FAILED,
      });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
    });

    it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await json('/auth/register', JSON.stringify({ email: 'a'.repeat(20_000) }));
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        code: WardenErrorCode.PAYLOAD_TOO_LARGE,
        message: 'Request body is too large',
      });
      // Refused by its Content-Length before any parser reads it, as every answer: with the
      // security headers and no-store.
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it.each([
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'email=a&password=b'],
    ])('answers a %s body with 415 UNSUPPORTED_MEDIA_TYPE', async (type, body) => {
      const res = await request(t.server).post('/auth/login').set('Content-Type', type).send(body);
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ code: WardenErrorCode.UNSUPPORTED_MEDIA_TYPE });
    });

    it('answers GET /.well-known/jwks.json with HS256 tokens with 404 JWKS_UNAVAILABLE', async () => {
      const res = await request(t.server).get('/.well-known/jwks.json').expect(404);
      expect(res.body).toMatchObject({ code: WardenErrorCode.JWKS_UNAVAILABLE });
    });
  });

  describe('in the Swagger document', () => {
    let doc: OpenAPIObject;
    beforeAll(async () => {
      doc = (await request(t.server).get('/docs-json').expect(200)).body as OpenAPIObject;
    });

    it('lists every WardenErrorCode in the error schema, and code is required', () => {
      const schemas = doc.components?.schemas as Record<string, Record<string, unknown>>;
      const errorBody = schemas.WardenErrorResponseDto as {
        required: string[];
        properties: { code: { allOf: [{ $ref: string }] } };
      };
      expect(errorBody.required).toContain('code');
      expect(errorBody.properties.code.allOf).toEqual([
        { $ref: '#/components/schemas/WardenErrorCode' },
      ]);
      expect([...(schemas.WardenErrorCode.enum as string[])].sort()).toEqual(
        Object.values(WardenErrorCode).sort(),
      );
    });

    it('documents every error response of every library route with the error schema', () => {
      let checked = 0;
      for (const [path, item] of Object.entries(doc.paths)) {
        if (!path.startsWith('/auth') && !path.startsWith('/.well-known')) continue;
        for (const operation of Object.values(item) as OperationObject[]) {
          for (const [status, response] of Object.entries(operation.responses)) {
            if (Number(status) < 400) continue;
            checked++;
            expect({ path, status, response }).toMatchObject({
              response: { content: { 'application/json': { schema: { $ref: ERROR_REF } } } },
            });
          }
        }
      }
      expect(checked).toBeGreaterThan(40);
    });

    it('documents 400, 413 and 415 on every route with a JSON body', () => {
      for (const [path, method] of JSON_BODY_ROUTES) {
        const responses = doc.paths[path][method]?.responses ?? {};
        expect({ path, statuses: Object.keys(responses) }).toEqual({
          path,
          statuses: expect.arrayContaining(['400', '413', '415']),
        });
      }
    });

    it('documents 401, 403 and 503 on every authenticated route', () => {
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const operation of Object.values(item) as OperationObject[]) {
          if (!operation.security) continue;
          expect({ path, statuses: Object.keys(operation.responses) }).toEqual({
            path,
            statuses: expect.arrayContaining(['401', '403', '503']),
          });
        }
      }
    });
  });
});

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown) {
    if (body === null || typeof body !== 'object') throw new BadRequestException('not an object');
    throw new BadRequestException('the host app says no');
  }
}

describe('WardenExceptionFilter in a host app', () => {
  let app: INestApplication;
  beforeAll(async () => {
    @Module({
      imports: [
        UsersModule.forRoot({ repository: new MemoryUserRepository() }),
        AuthModule.forRoot({
          sessionStore: new MemorySessionStore(),
          session: { secrets: ['host-app-secret-0123456789abcdefghijk'], cookieSecure: false },
        }),
      ],
      controllers: [EchoController],
    })
    class HostAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HostAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('gives malformed JSON on a host route the warden body', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"x":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: WardenErrorCode.VALIDATION_FAILED });
  });

  it("leaves the host app's own 400s alone", async () => {
    const res = await request(app.getHttpServer()).post('/echo').send({ x: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      message: 'the host app says no',
      error: 'Bad Request',
    });
  });
});
