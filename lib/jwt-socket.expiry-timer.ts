/** setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Calls `onDeadline(target)` at `deadline` (epoch ms), hopping in steps a Node timer can hold.
 * Returns the timer of the current hop; the caller keeps it to clear it.
 */
export function scheduleAt<T>(
  deadline: number,
  target: T,
  onDeadline: (target: T) => void,
  keep: (timer: NodeJS.Timeout, target: T) => void,
): void {
  const delay = deadline - Date.now();
  if (delay > MAX_TIMER_DELAY_MS) {
    keep(setTimeout(scheduleAt, MAX_TIMER_DELAY_MS, deadline, target, onDeadline, keep).unref(), target);
  } else {
    keep(setTimeout(onDeadline, Math.max(0, delay), target).unref(), target);
  }
}
