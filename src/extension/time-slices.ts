/**
 * Long work on the extension host's main thread, cut into slices: the caller asks `due()`
 * between small steps, and when the current slice has run `sliceMs`, gets a promise to await
 * that resumes on a later turn of the event loop (the editor's messages and timers run in
 * between). Free of `vscode`, so it can be tested in plain Node.
 */
export class TimeSlices {
  private started: number;
  /** How many times the work gave way so far. */
  yields = 0;

  constructor(
    private readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly giveWay: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
  ) {
    this.started = now();
  }

  /** A promise to await when the slice is used up, else undefined (go on: no await, no cost). */
  due(): Promise<void> | undefined {
    if (this.now() - this.started < this.sliceMs) return undefined;
    this.yields++;
    return this.giveWay().then(() => {
      this.started = this.now();
    });
  }
}
