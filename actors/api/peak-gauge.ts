// A gauge that also reports its highest value over a recent window (at least `windowMs`, at most
// twice that): the current window's peak and the previous one's, whichever is higher. No timers.

export class PeakGauge {
  private value = 0;
  private currentPeak = 0;
  private previousPeak = 0;
  private windowStartedMs: number;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowStartedMs = now();
  }

  add(delta: number): void {
    this.value += delta;
    this.roll();
    if (this.value > this.currentPeak) this.currentPeak = this.value;
  }

  /** The highest value over the last one to two windows. */
  peak(): number {
    this.roll();
    return Math.max(this.currentPeak, this.previousPeak);
  }

  private roll(): void {
    const now = this.now();
    if (now - this.windowStartedMs < this.windowMs) return;
    // A window with no change at all leaves the previous peak as the current value.
    this.previousPeak = now - this.windowStartedMs < 2 * this.windowMs ? this.currentPeak : this.value;
    this.currentPeak = this.value;
    this.windowStartedMs = now;
  }
}
