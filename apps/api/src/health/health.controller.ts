import { JobQueue } from '@keyport/queue';
import { MailTransport, TransportHealth } from '@keyport/mail';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public, RateLimit } from '../auth/auth.decorators';

const MAIL_CHECK_CACHE_MS = 30_000;

/** GET /health: database, queue and mail transport; 200 when all are usable, 503 when one is not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  private mailCache?: { at: number; result: TransportHealth };

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly queue: JobQueue,
    private readonly mail: MailTransport,
  ) {}

  @Get()
  @Public()
  @RateLimit('none')
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 3_000 }),
      async () => {
        const result = await this.queue.health();
        const indicator = this.indicators.check('queue');
        return result.ok ? indicator.up({ driver: result.driver }) : indicator.down({ driver: result.driver, detail: result.detail });
      },
      async () => {
        // Verifying SMTP opens a connection: at most once per 30 s, however often /health is polled.
        if (!this.mailCache || Date.now() - this.mailCache.at > MAIL_CHECK_CACHE_MS || !this.mailCache.result.ok) {
          this.mailCache = { at: Date.now(), result: await this.mail.health() };
        }
        const { ok, driver, detail } = this.mailCache.result;
        const indicator = this.indicators.check('mail');
        return ok ? indicator.up({ driver }) : indicator.down({ driver, detail });
      },
    ]);
  }
}
