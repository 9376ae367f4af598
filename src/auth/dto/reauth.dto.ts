import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /auth/reauth`. */
export class ReauthDto {
  @ApiProperty({ description: 'The current password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}
