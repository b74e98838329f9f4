/**
 * Token-bucket bandwidth limit for the link (zrepl-style, anchors.md §2). The rate can change at
 * run time; 0 means unlimited. The bucket holds at most 100 ms of tokens (and at least one frame),
 * so a limit is honoured over short windows, not only on average.
 */
export class TokenBucket {
  private tokens = 0;
  private last = performance.now();

  constructor(private rate: number) {}

  get bytesPerSecond(): number {
    return this.rate;
  }

  setRate(bytesPerSecond: number): void {
    this.refill();
    this.rate = bytesPerSecond;
    this.tokens = Math.min(this.tokens, this.capacity(0));
  }

  /** Waits until `bytes` may be sent. A frame larger than the bucket goes out once it is full and leaves a debt. */
  async take(bytes: number): Promise<void> {
    for (;;) {
      if (this.rate <= 0) return;
      this.refill(bytes);
      if (this.tokens >= Math.min(bytes, this.capacity(bytes))) {
        this.tokens -= bytes;
        return;
      }
      const missing = Math.min(bytes, this.capacity(bytes)) - this.tokens;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil((missing / this.rate) * 1000))));
    }
  }

  private capacity(frame: number): number {
    return Math.max(this.rate * 0.1, frame);
  }

  private refill(frame = 0): void {
    const t = performance.now();
    this.tokens = Math.min(this.capacity(frame), this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}
