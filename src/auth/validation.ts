import { ValidationPipe } from '@nestjs/common';

/**
 * The pipe every nest-warden body goes through, whatever the host app's global pipes:
 * unknown fields → 400 (never silently stored), wrong types → 400, no implicit conversion.
 */
export const wardenValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: false },
});
