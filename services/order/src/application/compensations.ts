/**
 * The undo of each step a request has taken so far, registered by the step itself, so an exit
 * names the undos its failure needs instead of repeating them. Each undo runs at most once; once
 * the steps stand (or took no effect), `discard` leaves nothing to run.
 */
export class Compensations<Step extends string> {
  readonly #pending = new Map<Step, (cause: string) => Promise<void>>();

  /** `step` took effect, or may have: `undo` reverses it, told why it must. */
  register(step: Step, undo: (cause: string) => Promise<void>): void {
    this.#pending.set(step, undo);
  }

  /** Runs the undos of `steps` still pending, in the order given. */
  async undo(cause: string, ...steps: Step[]): Promise<void> {
    for (const step of steps) {
      const undo = this.#pending.get(step);
      if (!undo) continue;
      this.#pending.delete(step);
      await undo(cause);
    }
  }

  /** Runs every pending undo, the latest step's first. */
  async undoAll(cause: string): Promise<void> {
    await this.undo(cause, ...[...this.#pending.keys()].reverse());
  }

  /** Nothing is to be undone: the steps stand, or left for reconciliation, or took no effect. */
  discard(): void {
    this.#pending.clear();
  }
}
