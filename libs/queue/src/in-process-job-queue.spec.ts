import { Logger } from '@nestjs/common';
import { InProcessJobQueue } from './in-process-job-queue';
import { PermanentJobError } from './job-queue';
import { backoffDelay, JOB_RULES } from './jobs';

const job = { kind: 'transactional' as const, template: 't', mail: { to: 'a@b.nl', subject: 's', html: 'h', text: 't' } };

describe(InProcessJobQueue.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('retries a failing job with the rule’s exponential back-off until it succeeds', async () => {
    const sut = new InProcessJobQueue();
    const attempts: number[] = [];
    await sut.process({
      'send-mail': async (_data, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('temporary');
      },
    });
    await sut.add('send-mail', job);
    await jest.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1]);
    await jest.advanceTimersByTimeAsync(backoffDelay(JOB_RULES['send-mail'].retry, 1));
    expect(attempts).toEqual([1, 2]);
    await jest.advanceTimersByTimeAsync(backoffDelay(JOB_RULES['send-mail'].retry, 2));
    expect(attempts).toEqual([1, 2, 3]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(attempts).toEqual([1, 2, 3]);
    await sut.close();
  });

  it('does not retry a permanent failure, and ignores a second add with the same job id', async () => {
    const sut = new InProcessJobQueue();
    let calls = 0;
    await sut.process({
      'send-mail': async () => {
        calls++;
        throw new PermanentJobError('550');
      },
    });
    await sut.add('send-mail', job, { jobId: 'same' });
    await sut.add('send-mail', job, { jobId: 'same' });
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toBe(1);
    await sut.close();
  });

  it('holds jobs added before the processors start, and honours delays', async () => {
    const sut = new InProcessJobQueue();
    const seen: string[] = [];
    await sut.add('send-mail', { ...job, template: 'later' }, { delayMs: 5_000 });
    await sut.add('send-mail', { ...job, template: 'now' });
    await sut.process({ 'send-mail': async (data) => void seen.push(data.template) });
    await jest.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['now']);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(seen).toEqual(['now', 'later']);
    await sut.close();
  });
});
