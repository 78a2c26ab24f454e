/** Tasks under way, so that closing waits for them to settle and refuses later ones. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  /** refusal: the message a task started after close() is rejected with. */
  constructor(private readonly refusal: string) {}

  /** Starts a task and keeps it until it settles; once closed, rejects without starting it. */
  run<T>(start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(this.refusal));
    const task = start();
    this.running.add(task);
    const forget = () => void this.running.delete(task);
    task.then(forget, forget);
    return task;
  }

  /** Refuses later tasks and waits for those under way. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.running);
  }
}
