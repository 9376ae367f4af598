import type { ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { wardenValidationPipe } from '../validation.js';
import { LoginDto } from '../dto/login.dto.js';
import { plainLoginBody } from '../login-body.js';
import { LOCAL_STRATEGY } from '../strategies/local.strategy.js';
import { HttpContext } from '../../core/http-context.js';

/**
 * Runs the login body through the validation pipe first (400 for a missing or mistyped field,
 * before any hashing), then passport-local. Marks the response `Cache-Control: no-store` first,
 * so a 400/401/429 carries it as well as the credential-bearing 200.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard(LOCAL_STRATEGY) {
  constructor(private readonly http: HttpContext) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    this.http.noStore(context);
    const request = context.switchToHttp().getRequest<{ body: unknown }>();
    // An ordinary body is made into the DTO directly; anything else takes the pipe's full path.
    request.body =
      plainLoginBody(request.body) ??
      (await wardenValidationPipe.transform(request.body, { type: 'body', metatype: LoginDto }));
    return (await super.canActivate(context)) as boolean;
  }
}
