import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { BodyTooLargeException, JsonOnlyException } from '../errors/warden.exceptions.js';
import { assertJsonDepth } from './json-depth.js';

/** Largest JSON body nest-warden's routes accept, in bytes. @default 16384 */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** DI token of the body size limit (`AuthModule`'s `maxBodyBytes`). */
export const WARDEN_MAX_BODY_BYTES = 'WARDEN:MAX_BODY_BYTES';

/**
 * 415 unless the request says `Content-Type: application/json` (a charset parameter is
 * allowed). Put on every route that reads a body: it keeps form posts, which a browser sends
 * cross-site without a CORS preflight, off the credential endpoints. Also refuses a body larger
 * than `AuthModule`'s `maxBodyBytes` (413 `PAYLOAD_TOO_LARGE`, by `Content-Length`, or by the
 * parsed body's JSON size when the request is chunked) and a body nested deeper than
 * `MAX_JSON_DEPTH` (400 `VALIDATION_FAILED`): guards run before every pipe, so a host app's own
 * global `ValidationPipe` never recurses into such a body either. The adapter's body parser
 * still reads up to its own limit (Express 100 KB, Fastify 1 MiB) before this guard runs.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  private readonly maxBodyBytes: number;

  constructor(@Optional() @Inject(WARDEN_MAX_BODY_BYTES) maxBodyBytes?: number) {
    this.maxBodyBytes = maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; body?: unknown }>();
    const type = request.headers['content-type'];
    const mediaType = typeof type === 'string' ? type.split(';')[0].trim().toLowerCase() : '';
    if (mediaType !== 'application/json') throw new JsonOnlyException();
    const length = request.headers['content-length'];
    if (typeof length === 'string' && Number(length) > this.maxBodyBytes) {
      throw new BodyTooLargeException(this.maxBodyBytes);
    }
    assertJsonDepth(request.body);
    // Without a length (chunked), measure what was parsed; the depth check above keeps
    // JSON.stringify's recursion shallow.
    if (typeof length !== 'string' && request.body !== undefined) {
      const bytes = Buffer.byteLength(JSON.stringify(request.body) ?? '');
      if (bytes > this.maxBodyBytes) throw new BodyTooLargeException(this.maxBodyBytes);
    }
    return true;
  }
}
