import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { JsonOnlyException } from '../errors/warden.exceptions.js';
import { assertJsonDepth } from './json-depth.js';

/**
 * 415 unless the request says `Content-Type: application/json` (a charset parameter is
 * allowed). Put on every route that reads a body: it keeps form posts, which a browser sends
 * cross-site without a CORS preflight, off the credential endpoints. Also refuses (400
 * `VALIDATION_FAILED`) a body nested deeper than `MAX_JSON_DEPTH`: guards run before every pipe,
 * so a host app's own global `ValidationPipe` never recurses into such a body either.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; body?: unknown }>();
    const type = request.headers['content-type'];
    const mediaType = typeof type === 'string' ? type.split(';')[0].trim().toLowerCase() : '';
    if (mediaType !== 'application/json') throw new JsonOnlyException();
    assertJsonDepth(request.body);
    return true;
  }
}
