import type { ArgumentMetadata, ValidationError } from '@nestjs/common';
import { ValidationPipe } from '@nestjs/common';
import { ValidationFailedException } from '../errors/warden.exceptions.js';
import { assertJsonDepth } from '../security/json-depth.js';

/**
 * Nest's `ValidationPipe` with nest-warden's answers: 400 `VALIDATION_FAILED` (Nest's messages
 * plus the stable code), and a depth limit checked before class-transformer recurses.
 */
class WardenValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    assertJsonDepth(value);
    return super.transform(value, metadata);
  }

  override createExceptionFactory() {
    return (errors: ValidationError[] = []) =>
      new ValidationFailedException(this.flattenValidationErrors(errors));
  }
}

/**
 * The pipe every nest-warden body goes through, whatever the host app's global pipes:
 * unknown fields → 400 (never silently stored), wrong types → 400, no implicit conversion,
 * bodies nested deeper than `MAX_JSON_DEPTH` (32) → 400 before any transformation. Every 400
 * carries `code: 'VALIDATION_FAILED'` and one message per field in error (the first rule it
 * breaks).
 */
export const wardenValidationPipe: ValidationPipe = new WardenValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  // One message per field: a rejected body costs less to check and to answer.
  stopAtFirstError: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: false },
});
