import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { WardenExceptionFilter } from '../errors/warden-exception.filter.js';
import { AuthController } from './auth.controller.js';

/**
 * The HTTP routes of nest-warden (`/auth/*`) and its exception filter (503 + `Retry-After`).
 * Needs `UsersModule` imported once in the app.
 */
@Module({
  controllers: [AuthController],
  providers: [{ provide: APP_FILTER, useClass: WardenExceptionFilter }],
})
export class AuthModule {}
