import { ValidationFailedException } from '../errors/warden.exceptions.js';
import { RefreshTokenDto } from './dto/refresh-token.dto.js';
import { wardenValidationPipe } from './validation.js';

const metadata = { type: 'body' as const, metatype: RefreshTokenDto };

function nestedBody(depth: number): unknown {
  return JSON.parse(`{"refreshToken":"x","n":${'['.repeat(depth)}${']'.repeat(depth)}}`);
}

async function rejection(value: unknown): Promise<unknown> {
  return wardenValidationPipe.transform(value, metadata).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('wardenValidationPipe', () => {
  describe('transform', () => {
    it('refuses a body nested past 32 levels with 400 VALIDATION_FAILED, before transforming', async () => {
      for (const depth of [33, 2000, 50_000]) {
        const error = await rejection(nestedBody(depth));
        expect(error).toBeInstanceOf(ValidationFailedException);
        expect((error as ValidationFailedException).getResponse()).toMatchObject({
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'Request body is nested deeper than 32 levels',
        });
      }
    });

    it('gives the ordinary messages, with the code, for an unknown field up to 32 levels', async () => {
      const error = await rejection(nestedBody(32));
      expect((error as ValidationFailedException).getResponse()).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: ['property n should not exist'],
      });
    });

    it('passes a valid body through as the DTO', async () => {
      const value = await wardenValidationPipe.transform({ refreshToken: 'x' }, metadata);
      expect(value).toBeInstanceOf(RefreshTokenDto);
    });
  });
});
