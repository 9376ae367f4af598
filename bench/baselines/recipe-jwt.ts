// Baseline `recipe-jwt`: JWTs as the NestJS docs teach them. passport-local login through
// argon2 returns a token signed by @nestjs/jwt with the secret string from the environment;
// passport-jwt verifies it and validate() reads the user from PostgreSQL through TypeORM, so a
// deleted or changed user is noticed.
import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DataSource } from 'typeorm';
import type { RecipeUser } from './common.js';
import {
  announce,
  dataSourceProvider,
  env,
  LocalStrategy,
  publicUser,
  RecipeUserEntity,
} from './common.js';

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(DataSource) private readonly db: DataSource) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: env.secret,
    });
  }

  async validate(payload: { sub: string }): Promise<RecipeUser> {
    const user = await this.db.getRepository(RecipeUserEntity).findOneBy({ id: payload.sub });
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

@Controller('auth')
class AuthController {
  constructor(@Inject(JwtService) private readonly jwt: JwtService) {}

  @UseGuards(AuthGuard('local'))
  @Post('login')
  @HttpCode(200)
  login(@Req() req: Request) {
    const user = req.user as RecipeUser;
    return { access_token: this.jwt.sign({ sub: user.id, email: user.email }) };
  }

  @UseGuards(AuthGuard('jwt'))
  @Get('me')
  me(@Req() req: Request) {
    return publicUser(req.user as RecipeUser);
  }
}

@Module({
  imports: [
    PassportModule,
    JwtModule.register({ secret: env.secret, signOptions: { expiresIn: '900s' } }),
  ],
  controllers: [AuthController],
  providers: [dataSourceProvider, LocalStrategy, JwtStrategy],
})
class RecipeJwtModule {}

const app = await NestFactory.create(RecipeJwtModule, { logger: ['error', 'warn'] });
await app.listen(env.port, '127.0.0.1');
announce('recipe-jwt');
