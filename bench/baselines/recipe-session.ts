// Baseline `recipe-session`: sessions as the NestJS docs teach them. express-session with
// connect-redis (node-redis client), passport-local login through argon2, and a
// PassportSerializer whose deserializeUser reads the user from PostgreSQL through TypeORM on
// every request.
import 'reflect-metadata';
import {
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { CanActivate } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportSerializer } from '@nestjs/passport';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import session from 'express-session';
import passport from 'passport';
import { createClient } from 'redis';
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
class SessionSerializer extends PassportSerializer {
  constructor(@Inject(DataSource) private readonly db: DataSource) {
    super();
  }

  serializeUser(user: RecipeUser, done: (err: unknown, id?: string) => void) {
    done(null, user.id);
  }

  deserializeUser(id: string, done: (err: unknown, user?: RecipeUser | null) => void) {
    this.db
      .getRepository(RecipeUserEntity)
      .findOneBy({ id })
      .then((user) => done(null, user), done);
  }
}

@Injectable()
class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return result;
  }
}

@Injectable()
class AuthenticatedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<Request>().isAuthenticated();
  }
}

@Controller('auth')
class AuthController {
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  login(@Req() req: Request) {
    return { user: publicUser(req.user as RecipeUser) };
  }

  @UseGuards(AuthenticatedGuard)
  @Get('me')
  me(@Req() req: Request) {
    return publicUser(req.user as RecipeUser);
  }
}

@Module({
  imports: [PassportModule.register({ session: true })],
  controllers: [AuthController],
  providers: [dataSourceProvider, LocalStrategy, SessionSerializer],
})
class RecipeSessionModule {}

const app = await NestFactory.create(RecipeSessionModule, { logger: ['error', 'warn'] });
const redisClient = createClient({ url: env.redisUrl });
await redisClient.connect();
app.use(
  session({
    store: new RedisStore({ client: redisClient, prefix: env.redisPrefix }),
    secret: env.secret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 24 * 3600 * 1000 },
  }),
);
app.use(passport.initialize());
app.use(passport.session());
await app.listen(env.port, '127.0.0.1');
announce('recipe-session');
