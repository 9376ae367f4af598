import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiPayloadTooLargeResponse,
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
