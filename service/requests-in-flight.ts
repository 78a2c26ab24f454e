import type { ServerResponse } from 'node:http';

/**
 * The HTTP requests being answered, for the server's own background work to give way to: the
 * demo seeding on a fresh start shares the server's thread with the first page's requests (its
 * HTML, script, queries), and each step of it those requests wait behind delays the page's
 * first answer (docs: README, "The first answer on a fresh start").
 */
export class RequestsInFlight {
  private count = 0;
  private waiting: (() => void)[] = [];

  /** Counts the request until its response is finished or its connection closes. */
  track(res: ServerResponse): void {
    this.count++;
    res.once('close', () => {
      if (--this.count > 0) return;
      const waiting = this.waiting;
      this.waiting = [];
      for (const resolve of waiting) resolve();
    });
  }

  /**
   * Settles on the next turn of the event loop (so requests that arrived are read) once no
   * request is in flight, or after maxWaitMs at most: a slow request, or a client that keeps
   * one open, must not stop the background work.
   */
  async quiet(maxWaitMs: number): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.count === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting = this.waiting.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.waiting.push(done);
    });
  }
}
