import { describe, expect, it } from 'vitest';
import { JobQueue, type JobContext } from '../../main/jobs/queue';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('job queue', () => {
  it('runs one job at a time, in order, and reports states and progress', async () => {
    const q = new JobQueue();
    const log: string[] = [];
    const states: string[] = [];
    q.on('change', (s) => states.push(`${s.label}:${s.state}`));
    let running = 0;
    const work = (name: string) => async (ctx: JobContext) => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      ctx.progress({ fraction: 0.5, stage: 'sample', etaMs: 10 });
      await tick();
      log.push(`end ${name}`);
      running--;
      return name.toUpperCase();
    };
    const a = q.add('a', work('a'));
    const b = q.add('b', work('b'));
    expect(q.get(b.id)!.state).toBe('pending');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(ra).toMatchObject({ state: 'ready', result: 'A', progress: { fraction: 1 } });
    expect(rb.state).toBe('ready');
    expect(states).toContain('a:running');
    expect(states.filter((s) => s === 'a:ready').length).toBe(1);
  });

  it('cancels a waiting job at once and a running job through its signal; a failure is failed', async () => {
    const q = new JobQueue();
    const running = q.add('long', async ({ signal, progress }) => {
      for (let i = 0; i < 1000; i++) {
        if (signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'CancelledError' });
        progress({ fraction: i / 1000, stage: 'sample', etaMs: null });
        await tick();
      }
      return 1;
    });
    const waiting = q.add('next', async () => 2);
    const failing = q.add('bad', async () => {
      throw new Error('the pack is damaged');
    });
    await tick();
    expect(q.cancel(waiting.id)).toBe(true);
    expect((await waiting.done).state).toBe('cancelled');
    expect(q.cancel(running.id)).toBe(true);
    expect((await running.done).state).toBe('cancelled');
    expect(await failing.done).toMatchObject({ state: 'failed', error: 'the pack is damaged' });
    expect(q.cancel(running.id)).toBe(false);
    await q.idle();
    expect(q.list().map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'failed']);
  });
});
