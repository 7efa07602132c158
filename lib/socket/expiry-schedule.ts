/** setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Deadlines are grouped by this many ms: `exp` is in whole seconds, so grouping by second is exact. */
const SLOT_MS = 1000;

/**
 * Expiry deadlines of every open socket, served by ONE timer instead of one per socket: a socket
 * costs an entry in a Set, not a Timeout. Deadlines are rounded UP to the next slot, so a target
 * never fires early. The timer hops in steps a Node timer can hold, so far deadlines work too.
 */
export class ExpirySchedule<T> {
  private readonly slots = new Map<number, Set<T>>();
  private timer?: NodeJS.Timeout;
  private armedSlot?: number;

  constructor(private readonly onDue: (target: T) => void) {}

  /** Returns the slot to hand back to `remove`. */
  add(target: T, deadline: number): number {
    const slot = Math.ceil(deadline / SLOT_MS);
    let targets = this.slots.get(slot);
    if (!targets) {
      targets = new Set();
      this.slots.set(slot, targets);
    }
    targets.add(target);
    if (this.armedSlot === undefined || slot < this.armedSlot) this.arm(slot);
    return slot;
  }

  remove(target: T, slot: number): void {
    const targets = this.slots.get(slot);
    if (!targets?.delete(target) || targets.size > 0) return;
    this.slots.delete(slot);
    if (this.slots.size === 0) this.disarm();
  }

  get size(): number {
    let size = 0;
    for (const targets of this.slots.values()) size += targets.size;
    return size;
  }

  private arm(slot: number): void {
    clearTimeout(this.timer);
    this.armedSlot = slot;
    const delay = Math.min(Math.max(0, slot * SLOT_MS - Date.now()), MAX_TIMER_DELAY_MS);
    this.timer = setTimeout(() => this.fire(), delay).unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedSlot = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedSlot = undefined;
    const now = Date.now();
    const due: T[] = [];
    let earliest: number | undefined;
    for (const [slot, targets] of this.slots) {
      if (slot * SLOT_MS <= now) {
        due.push(...targets);
        this.slots.delete(slot);
      } else if (earliest === undefined || slot < earliest) {
        earliest = slot;
      }
    }
    if (earliest !== undefined) this.arm(earliest);
    for (const target of due) this.onDue(target);
  }
}
