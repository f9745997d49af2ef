import { JOB_RULES, JobName, JobQueue, OutboxRelay, ProcessorRegistry } from '@keyport/queue';
import { Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';

/** Starts consuming: every @JobProcessor found in the app, and the outbox relay. */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly registry: ProcessorRegistry,
    private readonly queue: JobQueue,
    private readonly relay: OutboxRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.registry.handlers();
    await this.queue.process(handlers);
    for (const [name, rule] of Object.entries(JOB_RULES) as [JobName, (typeof JOB_RULES)[JobName]][]) {
      if (rule.everyMs && handlers[name]) await this.queue.schedule(name, rule.everyMs, {} as never);
    }
    this.relay.start();
    this.pruneTimer = setInterval(() => void this.relay.prune().catch(() => undefined), 3_600_000);
    this.pruneTimer.unref();
    this.logger.log(`worker started (queue: ${this.queue.driver})`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.relay.stop();
  }
}

/** The queue consumer. Runs as its own process (apps/worker) or inside the API without Redis. */
@Module({
  imports: [DiscoveryModule],
  providers: [ProcessorRegistry, WorkerRunner],
})
export class WorkerModule {}
