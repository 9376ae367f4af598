import { Controller, Get, Optional } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { JwksUnavailableException } from '../errors/warden.exceptions.js';
import type { PublicJwk } from '../tokens/access-token.service.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { Public } from './decorators/auth.decorators.js';

/** `GET /.well-known/jwks.json`: the public keys of ES256 access tokens (404 for HS256). */
@ApiTags('tokens')
@Controller('.well-known')
@Public()
export class JwksController {
  constructor(@Optional() private readonly access?: AccessTokenService) {}

  @Get('jwks.json')
  @ApiOperation({ summary: 'Public keys that verify access tokens (asymmetric setups only)' })
  @ApiOkResponse({ description: '`{ keys: [JWK] }`' })
  @ApiNotFoundResponse({
    type: WardenErrorResponseDto,
    description: 'JWKS_UNAVAILABLE: access tokens are HS256 (no public key)',
  })
  jwks(): { keys: PublicJwk[] } {
    const jwks = this.access?.jwks();
    if (!jwks) throw new JwksUnavailableException();
    return jwks;
  }
}
