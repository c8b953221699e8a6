/**
 * A small job queue: one job runs at a time, the others wait in order. Each job reports progress
 * (fraction, stage, ETA) and can be cancelled, pending or running. States: pending -> running ->
 * ready | failed | cancelled. Generic: the work is any async function taking a signal and a
 * progress callback; the storyboard's takes plug in through the contract later.
 */
import { EventEmitter } from 'node:events';

export type JobState = 'pending' | 'running' | 'ready' | 'failed' | 'cancelled';

export interface JobProgress {
  fraction: number;
  stage: string;
  etaMs: number | null;
  step?: number;
  total?: number;
}

export interface JobContext {
  signal: AbortSignal;
  progress: (p: JobProgress) => void;
}

export interface JobSnapshot<R = unknown> {
  id: string;
  label: string;
  state: JobState;
  progress: JobProgress;
  result?: R;
  error?: string;
  queuedAt: number;
  startedAt?: number;
  endedAt?: number;
}

interface Job<R> extends JobSnapshot<R> {
  run: (ctx: JobContext) => Promise<R>;
  controller: AbortController;
  done: Promise<JobSnapshot<R>>;
  settle: (s: JobSnapshot<R>) => void;
}

export interface QueueEvents {
  change: [JobSnapshot];
}

let counter = 0;

export class JobQueue extends EventEmitter<QueueEvents> {
  private readonly jobs = new Map<string, Job<unknown>>();
  private readonly waiting: string[] = [];
  private current: string | null = null;

  /** Adds a job; it runs when every job before it has finished. */
  add<R>(label: string, run: (ctx: JobContext) => Promise<R>, id?: string): { id: string; done: Promise<JobSnapshot<R>> } {
    const jid = id ?? `job-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    if (this.jobs.has(jid)) throw new Error(`a job ${jid} already exists`);
    let settle!: (s: JobSnapshot<R>) => void;
    const done = new Promise<JobSnapshot<R>>((r) => (settle = r));
    const job: Job<R> = {
      id: jid,
      label,
      state: 'pending',
      progress: { fraction: 0, stage: 'queued', etaMs: null },
      queuedAt: Date.now(),
      run,
      controller: new AbortController(),
      done,
      settle,
    };
    this.jobs.set(jid, job as Job<unknown>);
    this.waiting.push(jid);
    this.changed(job as Job<unknown>);
    queueMicrotask(() => this.pump());
    return { id: jid, done };
  }

  get(id: string): JobSnapshot | undefined {
    const j = this.jobs.get(id);
    return j ? snapshot(j) : undefined;
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map(snapshot);
  }

  /** Cancels a pending job at once, or a running one (its work sees the signal). */
  cancel(id: string): boolean {
    const j = this.jobs.get(id);
    if (!j || (j.state !== 'pending' && j.state !== 'running')) return false;
    j.controller.abort();
    if (j.state === 'pending') {
      this.waiting.splice(this.waiting.indexOf(id), 1);
      this.finish(j, 'cancelled');
    }
    return true;
  }

  cancelAll(): void {
    for (const id of [...this.waiting]) this.cancel(id);
    if (this.current) this.cancel(this.current);
  }

  /** Resolves when nothing is pending or running. */
  async idle(): Promise<void> {
    while (this.current || this.waiting.length) {
      const j = this.jobs.get(this.current ?? this.waiting[0]!);
      if (j) await j.done;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private pump(): void {
    if (this.current) return;
    const id = this.waiting.shift();
    if (!id) return;
    const j = this.jobs.get(id)!;
    this.current = id;
    j.state = 'running';
    j.startedAt = Date.now();
    j.progress = { fraction: 0, stage: 'starting', etaMs: null };
    this.changed(j);
    const ctx: JobContext = {
      signal: j.controller.signal,
      progress: (p) => {
        if (j.state !== 'running') return;
        j.progress = { ...p, fraction: Math.max(0, Math.min(1, p.fraction)) };
        this.changed(j);
      },
    };
    Promise.resolve()
      .then(() => j.run(ctx))
      .then(
        (result) => {
          if (j.controller.signal.aborted) this.finish(j, 'cancelled');
          else {
            j.result = result;
            j.progress = { ...j.progress, fraction: 1, etaMs: 0, stage: 'done' };
            this.finish(j, 'ready');
          }
        },
        (err: unknown) => {
          if (j.controller.signal.aborted || (err as { name?: string })?.name === 'CancelledError') this.finish(j, 'cancelled');
          else {
            j.error = (err as Error)?.message ?? String(err);
            this.finish(j, 'failed');
          }
        },
      )
      .finally(() => {
        this.current = null;
        this.pump();
      });
  }

  private finish(j: Job<unknown>, state: JobState): void {
    j.state = state;
    j.endedAt = Date.now();
    this.changed(j);
    j.settle(snapshot(j));
  }

  private changed(j: Job<unknown>): void {
    this.emit('change', snapshot(j));
  }
}

function snapshot<R>(j: Job<R> | JobSnapshot<R>): JobSnapshot<R> {
  const { id, label, state, progress, result, error, queuedAt, startedAt, endedAt } = j;
  return { id, label, state, progress: { ...progress }, result, error, queuedAt, startedAt, endedAt };
}
