import { Injectable, Logger, SetMetadata } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JobContext, JobHandlers } from './job-queue';
import { JobName, JobPayloads } from './jobs';

const PROCESSOR = Symbol('JOB_PROCESSOR');

export interface JobProcessorHandler<N extends JobName> {
  process(data: JobPayloads[N], ctx: JobContext): Promise<void>;
}

/** Marks a provider as the processor of one job name; the worker finds it through Nest's discovery. */
export const JobProcessor = (name: JobName) => SetMetadata(PROCESSOR, name);

@Injectable()
export class ProcessorRegistry {
  private readonly logger = new Logger(ProcessorRegistry.name);

  constructor(private readonly discovery: DiscoveryService) {}

  handlers(): JobHandlers {
    const handlers: Record<string, unknown> = {};
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as JobProcessorHandler<JobName> | undefined;
      if (!instance || !wrapper.metatype) continue;
      const name = Reflect.getMetadata(PROCESSOR, wrapper.metatype) as JobName | undefined;
      if (!name) continue;
      if (handlers[name]) throw new Error(`two processors for job ${name}`);
      handlers[name] = (data: never, ctx: JobContext) => instance.process(data, ctx);
    }
    this.logger.log(`processors: ${Object.keys(handlers).sort().join(', ') || 'none'}`);
    return handlers as JobHandlers;
  }
}
