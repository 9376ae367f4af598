import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ValidationFailedException } from '../../errors/warden.exceptions.js';
import type { MfaProof } from '../../mfa/mfa-codes.js';
import type { PasskeyAssertion } from '../../passkeys/passkey.service.js';

/** Body of `POST /auth/mfa/totp/confirm` and `POST /auth/mfa/disable`. */
export class MfaCodeDto {
  @ApiProperty({
    description:
      'The 6-digit code of the authenticator app (confirm, disable), or a recovery code (disable)',
    example: '123456',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code!: string;
}

/** Body of `POST /auth/login/mfa`: exactly one of `code`, `recoveryCode` and `passkey`. */
export class MfaLoginDto {
  @ApiPropertyOptional({ description: 'The 6-digit code of the authenticator app' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({ description: 'One of the recovery codes shown at enrolment (works once)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  recoveryCode?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "A passkey assertion (the browser's AuthenticationResponseJSON) for the options of POST /auth/login/mfa/passkey/options",
  })
  @IsOptional()
  @IsObject()
  passkey?: Record<string, unknown>;
}

/** Body of `POST /auth/token/mfa`. */
export class MfaTokenLoginDto extends MfaLoginDto {
  @ApiProperty({ description: 'The `mfaToken` of the `POST /auth/token` answer' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  mfaToken!: string;
}

/** `POST /auth/mfa/totp/setup` answer: the only time the secret leaves the server. */
export class TotpSetupResponseDto {
  @ApiProperty({ description: 'Base32 TOTP secret, for manual entry' })
  secret!: string;

  @ApiProperty({ description: 'otpauth:// URI (SHA1, 6 digits, 30 s)' })
  otpauthUrl!: string;

  @ApiProperty({ description: 'The otpauthUrl as an SVG QR code to show' })
  qrCodeSvg!: string;
}

/** Recovery codes, shown once. */
export class RecoveryCodesResponseDto {
  @ApiProperty({ type: [String], description: '10 single-use recovery codes; shown only now' })
  recoveryCodes!: string[];
}

/** `POST /auth/login` for a user with MFA: the pending cookie is set, no session yet. */
export class MfaRequiredResponseDto {
  @ApiProperty({ enum: [true] })
  mfaRequired!: true;
}

/** `POST /auth/token` for a user with MFA: no pair yet. */
export class MfaTokenChallengeDto extends MfaRequiredResponseDto {
  @ApiProperty({
    description: 'Send it with a code to POST /auth/token/mfa; lives MFA_PENDING_TTL_S',
  })
  mfaToken!: string;
}

/** Exactly one of `code`, `recoveryCode` and `passkey`, else 400 `VALIDATION_FAILED`. */
export function mfaProof(body: {
  code?: string;
  recoveryCode?: string;
  passkey?: Record<string, unknown>;
}): MfaProof {
  const given = [body.code, body.recoveryCode, body.passkey].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new ValidationFailedException([
      'exactly one of code, recoveryCode and passkey must be given',
    ]);
  }
  if (body.code !== undefined) return { code: body.code };
  if (body.recoveryCode !== undefined) return { recoveryCode: body.recoveryCode };
  return { passkey: body.passkey as unknown as PasskeyAssertion };
}

/** A `code` field that may hold either: six digits are a TOTP code, anything else a recovery code. */
export function anyMfaCode(code: string): MfaProof {
  return /^\s*\d{3}\s?\d{3}\s*$/.test(code) ? { code } : { recoveryCode: code };
}
