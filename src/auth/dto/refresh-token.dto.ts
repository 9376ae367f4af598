import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /auth/token/refresh` and `/auth/token/revoke`. */
export class RefreshTokenDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  refreshToken!: string;
}

/** A token pair, for Swagger. */
export class TokenPairDto {
  @ApiProperty({
    description: 'JWT (typ at+jwt; HS256 or ES256) with exp, iat, sub, jti, iss, aud, sid',
  })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque; single use: every refresh returns a new one' })
  refreshToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Access token lifetime in seconds' })
  expiresIn!: number;
}
