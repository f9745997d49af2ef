/** A promise that never settles: the sink never answers that message, so it was never accepted. */
const NEVER = new Promise<void>(() => undefined);

/** A small seeded generator (mulberry32), so that a run's random kill points can be replayed. */
export function seededRandom(seed: number): { next: () => number; between: (lo: number, hi: number) => number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, between: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

/**
 * Decides, from inside the SMTP sink (its onMessage hook), when a worker may be killed: it lets messages
 * to `addresses` through until the `closeAt`-th one of this switch arrives, then answers none of them any
 * more (that one and every later one stay unaccepted: the worker is stuck mid-SMTP with them). `closed`
 * resolves at that moment; the test then waits until every accepted message is recorded as sent and only
 * then kills the worker (see the test files for why).
 */
export class KillSwitch {
  private isClosed = false;
  private disarmed = false;
  /** Messages let through (answered, so accepted) by this switch. */
  passed = 0;
  /** Messages held unanswered (the one that closed the switch and any after it). */
  readonly held: string[] = [];
  readonly closed: Promise<void>;
  private close!: () => void;

  constructor(
    private readonly addresses: Set<string>,
    private readonly closeAt: number,
  ) {
    this.closed = new Promise<void>((resolve) => (this.close = resolve));
  }

  onMessage = (to: string[]): Promise<void> | void => {
    if (this.disarmed || !this.addresses.has(to[0])) return;
    if (this.isClosed || this.passed + 1 === this.closeAt) {
      this.held.push(to[0]);
      if (!this.isClosed) {
        this.isClosed = true;
        this.close();
      }
      return NEVER;
    }
    this.passed++;
  };

  /** Every message is answered again (the messages already held stay unanswered). */
  disarm(): void {
    this.disarmed = true;
  }
}
