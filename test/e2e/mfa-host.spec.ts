import type { INestApplication } from '@nestjs/common';
import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  Auth,
  AuthModule,
  MemoryMfaStore,
  MemorySessionStore,
  MemoryUserRepository,
  UsersModule,
} from '../../src/index.js';
import { loginForTest, totpCode } from '../../src/testing/index.js';

const SECRET = 'mfa-host-session-secret-0123456789abcdefghij';
const MFA_KEY = 'mfa-host-encryption-key-0123456789abcdefghij';

@Controller('vault')
class VaultController {
  @Get()
  @Auth({ mfa: true })
  open() {
    return { open: true };
  }

  @Get('recent')
  @Auth({ mfa: true, recent: 60 })
  recent() {
    return { recent: true };
  }
}

/** A host app with MFA mounted through `forRoot`, memory stores, no tokens. */
describe('A host app with @Auth({ mfa: true })', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        UsersModule.forRoot({
          repository: new MemoryUserRepository(),
          passwords: { minStrength: 0 },
        }),
        AuthModule.forRoot({
          sessionStore: new MemorySessionStore(),
          session: { secrets: [SECRET] },
          mfa: { store: new MemoryMfaStore(), encryptionKeys: [MFA_KEY] },
        }),
      ],
      controllers: [VaultController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a user without MFA with 403 MFA_REQUIRED, lets one with MFA in', async () => {
    const credentials = { email: 'vault@example.com', password: 'a long vault passphrase' };
    const alice = await loginForTest(app, credentials);
    const refused = await request(app.getHttpServer()).get('/vault').set(alice.headers).expect(403);
    expect(refused.body.code).toBe('MFA_REQUIRED');

    const setup = await request(app.getHttpServer())
      .post('/auth/mfa/totp/setup')
      .set(alice.headers)
      .expect(200);
    const totpSecret = setup.body.secret as string;
    await request(app.getHttpServer())
      .post('/auth/mfa/totp/confirm')
      .set(alice.headers)
      .send({ code: totpCode(totpSecret, Date.now()) })
      .expect(200);

    // loginForTest completes the MFA step with the secret; a fresh code needs the next step.
    const later = () => Date.now() + 30_000;
    const again = await loginForTest(app, { ...credentials, totpSecret, now: later });
    await request(app.getHttpServer()).get('/vault').set(again.headers).expect(200, { open: true });
    await request(app.getHttpServer()).get('/vault/recent').set(again.headers).expect(200);
  });

  it('mounts no token route without tokens', async () => {
    await request(app.getHttpServer()).post('/auth/token/mfa').send({}).expect(404);
  });

  it('documents MFA_REQUIRED as a 403 of the route', async () => {
    const { DocumentBuilder, SwaggerModule } = await import('@nestjs/swagger');
    const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const forbidden = doc.paths['/vault']?.get?.responses?.['403'] as { description: string };
    expect(forbidden.description).toContain('MFA_REQUIRED');
    const recent = doc.paths['/vault/recent']?.get?.responses?.['403'] as { description: string };
    expect(recent.description).toContain('REAUTH_REQUIRED');
  });
});
