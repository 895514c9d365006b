import type { Logger } from 'pino';

/**
 * Runs `work` every `intervalMs`, one run at a time (the next is scheduled when the last ends, so
 * a slow run never overlaps itself). A failed run is logged and the schedule goes on. `stop`
 * cancels the schedule and waits for a run in progress.
 */
export class PeriodicTask {
  readonly #name: string;
  readonly #work: () => Promise<unknown>;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(name: string, work: () => Promise<unknown>, logger: Logger) {
    this.#name = name;
    this.#work = work;
    this.#logger = logger;
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.#running = this.#work()
        .catch((error: unknown) => this.#logger.error({ err: error, task: this.#name }, `${this.#name} failed`))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    this.#timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
