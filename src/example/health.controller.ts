import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult, HealthIndicatorFunction } from '@nestjs/terminus';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { EXAMPLE_REDIS } from './example.tokens.js';

/** `GET /health`: the database and (when configured) Redis, each with a 1 s timeout. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Optional() @Inject(EXAMPLE_REDIS) private readonly redis?: Redis,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: '`{ status: "ok", info, details }`' })
  @ApiServiceUnavailableResponse({ description: 'The database or Redis is down' })
  check(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await this.dataSource.query('SELECT 1');
          })
          .withTimeout(1000),
    ];
    const redis = this.redis;
    if (redis) {
      checks.push(() =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await redis.ping();
          })
          .withTimeout(1000),
      );
    }
    return this.health.check(checks);
  }
}
