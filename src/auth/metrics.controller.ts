import { Controller, Get, Header, Headers } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { SessionInvalidException } from '../errors/warden.exceptions.js';
import { WardenMetrics } from '../metrics/warden-metrics.js';
import { Public } from './decorators/auth.decorators.js';

/** `GET /metrics`: the Prometheus exposition of {@link WardenMetrics}, behind an optional token. */
@ApiTags('operations')
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: WardenMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text format 0.0.4)',
    description:
      'Open when no metrics token is configured; otherwise send `Authorization: Bearer <token>` (the example app: `METRICS_TOKEN`). No label holds a user id, an email or an IP.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: '`warden_*` counters, gauges and histograms' })
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description: 'SESSION_INVALID: a metrics token is configured and the request lacks it',
  })
  async scrape(@Headers('authorization') authorization?: string): Promise<string> {
    if (!this.metrics.mayScrape(authorization)) throw new SessionInvalidException();
    return this.metrics.render();
  }
}
