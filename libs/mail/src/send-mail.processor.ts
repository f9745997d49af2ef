import { APP_CONFIG, AppConfig } from '@keyport/config';
import { countMail } from '@keyport/metrics';
import { JobContext, JobProcessor, JobProcessorHandler, SendMailJob } from '@keyport/queue';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailTransport } from './mail-transport';

/** Delivers one rendered message. Temporary failures are retried by the queue; 5xx answers are final. */
@Injectable()
@JobProcessor('send-mail')
export class SendMailProcessor implements JobProcessorHandler<'send-mail'> {
  private readonly logger = new Logger(SendMailProcessor.name);

  constructor(
    private readonly transport: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(job: SendMailJob, ctx: JobContext): Promise<void> {
    const result = await countMail(job.kind, job.template, () => this.transport.send({ ...job.mail, from: job.mail.from ?? this.config.mail.from }));
    // Template and job id only: recipients are personal data and stay out of the logs.
    this.logger.log(`sent ${job.kind} mail "${job.template}" (job ${ctx.id}, attempt ${ctx.attempt}): ${result.response}`);
  }
}
