import { JOB_STATES, JobQueue, QUEUE_NAMES } from '@keyport/queue';
import { Role } from '@keyport/users';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth/auth.decorators';
import { PageRenderer } from '../pages/page-renderer';

/**
 * /admin/queues without Redis: the jobs run inside the API process (no BullMQ, so no bull-board), and
 * this page says so and shows that process's counts. With REDIS_URL, bull-board is mounted here instead
 * (queue-dashboard.ts) and this controller is not registered.
 */
@ApiExcludeController()
@Roles(Role.Admin)
@Controller('admin/queues')
export class InProcessQueuesController {
  constructor(
    private readonly queue: JobQueue,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const counts = await this.queue.jobCounts();
    const health = await this.queue.health();
    await this.pages.render(req, reply, 'ops/queues', {
      titleKey: 'ops.title',
      ok: health.ok,
      states: JOB_STATES,
      queues: QUEUE_NAMES.map((name) => ({ name, counts: JOB_STATES.map((state) => counts[name][state]) })),
    });
  }
}
