import { APP_CONFIG, AppConfig } from '@keyport/config';
import { ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModuleOptions, ThrottlerStorage, ThrottlerStorageService, getOptionsToken, getStorageToken } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import IORedis from 'ioredis';
import { IS_PUBLIC, RATE_LIMIT_KEY } from './auth.decorators';

export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'public', ttl: 60_000, limit: Math.max(1, config.app.rateLimitPerMinute) },
      { name: 'login', ttl: 60_000, limit: Math.max(1, config.app.loginRateLimitPerMinute) },
    ],
    storage: new ResilientThrottlerStorage(config.redis.url),
  };
}

/**
 * Counters in Redis when there is one (shared by all API instances); in this process while Redis is
 * unreachable, so an outage never turns public sign-ups away.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly memory = new ThrottlerStorageService();
  private readonly redis?: ThrottlerStorageRedisService;
  private warned = false;

  constructor(redisUrl?: string) {
    if (redisUrl) {
      const client = new IORedis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 200, 2_000) });
      client.on('error', () => undefined);
      this.redis = new ThrottlerStorageRedisService(client);
      this.redis.disconnectRequired = true;
    }
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    if (this.redis) {
      try {
        const record = await this.redis.increment(key, ttl, limit, blockDuration, name);
        this.warned = false;
        return record;
      } catch (error) {
        if (!this.warned) this.logger.warn(`Redis unavailable for rate limits, counting in this process: ${(error as Error).message}`);
        this.warned = true;
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, name);
  }

  onApplicationShutdown(): void {
    this.redis?.onModuleDestroy();
    this.memory.onApplicationShutdown();
  }
}

/**
 * Applies at most one named limit per route: 'login' where marked, 'public' on every public route
 * (unless marked 'none'), none on staff routes. RATE_LIMIT_PER_MINUTE=0 switches the public limit off.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const targets = [props.context.getHandler(), props.context.getClass()];
    const marked = this.reflector.getAllAndOverride<string | undefined>(RATE_LIMIT_KEY, targets);
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets);
    const applies = marked ?? (isPublic ? 'public' : 'none');
    if (applies !== props.throttler.name) return true;
    const limit = applies === 'login' ? this.config.app.loginRateLimitPerMinute : this.config.app.rateLimitPerMinute;
    if (limit === 0) return true;
    return super.handleRequest(props);
  }

  /**
   * One counter per client address and throttler, over all its routes: the public limit is per address
   * (pages and public API together), and one login counter serves the API and the login page.
   */
  protected override generateKey(_context: ExecutionContext, suffix: string, name: string): string {
    return `${name}-${suffix}`;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return String(req.ip ?? 'unknown');
  }
}
