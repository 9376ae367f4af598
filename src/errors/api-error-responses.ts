import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { WardenErrorResponseDto } from './warden-error-response.dto.js';

/**
 * Swagger: the error responses of a route that reads a JSON body (with `JsonBodyGuard` and the
 * validation pipe): 400 `VALIDATION_FAILED` (plus what `badRequest` adds), 413
 * `PAYLOAD_TOO_LARGE`, 415 `UNSUPPORTED_MEDIA_TYPE`.
 */
export function ApiJsonBodyErrors(
  badRequest = 'VALIDATION_FAILED: malformed JSON, unknown or missing fields, wrong types',
) {
  return applyDecorators(
    ApiBadRequestResponse({ type: WardenErrorResponseDto, description: badRequest }),
    ApiPayloadTooLargeResponse({
      type: WardenErrorResponseDto,
      description: 'PAYLOAD_TOO_LARGE: the body is over the app body limit',
    }),
    ApiUnsupportedMediaTypeResponse({
      type: WardenErrorResponseDto,
      description: 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json',
    }),
  );
}

/**
 * Swagger: the error responses of a route that checks an email and password (login, token): the
 * JSON body's, 401 `INVALID_CREDENTIALS`, 429 and 503 with `Retry-After`.
 */
export function ApiCredentialErrors() {
  return applyDecorators(
    ApiJsonBodyErrors(),
    ApiUnauthorizedResponse({ type: WardenErrorResponseDto, description: 'INVALID_CREDENTIALS' }),
    ApiForbiddenResponse({
      type: WardenErrorResponseDto,
      description:
        "EMAIL_NOT_VERIFIED: the password is right but the address is not verified (emailVerification 'required')",
    }),
    ApiTooManyRequestsResponse({
      type: WardenErrorResponseDto,
      description: 'TOO_MANY_ATTEMPTS or ACCOUNT_LOCKED; see Retry-After',
    }),
    ApiServiceUnavailableResponse({
      type: WardenErrorResponseDto,
      description: 'SERVICE_UNAVAILABLE or HASHING_BUSY; see Retry-After',
    }),
  );
}
