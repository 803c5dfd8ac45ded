/**
 * The emulator's clock: every timer goes through it, so `timeScale` applies everywhere and closing the emulator
 * clears them all.
 */
/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

/**
 * Every timer the emulator sets goes through one Clock, so that `timeScale` applies everywhere and `close()`
 * can clear them all (a vitest teardown must never wait on a stray timer).
 */
export class Clock {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  /** @param timeScale multiplies every emulated duration (0.1 runs ten times faster). */
  constructor(readonly timeScale: number) {}

  /** Converts an emulated duration to real milliseconds. */
  scaled(ms: number): number {
    return Math.max(0, ms * this.timeScale);
  }

  /** Real wall-clock time in milliseconds. */
  now(): number {
    return Date.now();
  }

  /** Runs `fn` after `ms` of emulated time. */
  after(ms: number, fn: () => void): Cancel {
    return this.afterReal(this.scaled(ms), fn);
  }

  /** Runs `fn` after `ms` real milliseconds (for durations the caller gave in real time). */
  afterReal(ms: number, fn: () => void): Cancel {
    if (this.closed) return () => {};
    const handle = setTimeout(
      () => {
        this.timers.delete(handle);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(handle);
    return () => {
      clearTimeout(handle);
      this.timers.delete(handle);
    };
  }

  /**
   * Resolves after `ms` of emulated time, or early (with false) when `signal` aborts or the clock closes.
   * @returns true when the full time elapsed.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return this.sleepReal(this.scaled(ms), signal);
  }

  /** Like {@link sleep}, in real milliseconds. */
  sleepReal(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed || signal?.aborted) return resolve(false);
      const finish = (elapsed: boolean) => {
        cancel();
        signal?.removeEventListener("abort", interrupt);
        this.sleepers.delete(interrupt);
        resolve(elapsed);
      };
      const interrupt = () => finish(false);
      const cancel = this.afterReal(ms, () => finish(true));
      this.sleepers.add(interrupt);
      signal?.addEventListener("abort", interrupt, { once: true });
    });
  }

  /** Clears every pending timer and wakes every sleeper (with false); later calls schedule nothing. */
  close(): void {
    this.closed = true;
    for (const handle of this.timers) clearTimeout(handle);
    this.timers.clear();
    for (const interrupt of [...this.sleepers]) interrupt();
  }

  /** How many timers are pending (for tests of teardown). */
  pendingTimers(): number {
    return this.timers.size;
  }
}
