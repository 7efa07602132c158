import { MAX_TIMER_DELAY_MS, scheduleAt } from './jwt-socket.expiry-timer';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Schedules `deadline` and records what a session would: each kept hop timer and the firing. */
function schedule(deadline: number) {
  const fired: number[] = [];
  const kept: NodeJS.Timeout[] = [];
  scheduleAt(
    deadline,
    'socket',
    () => fired.push(Date.now()),
    (timer) => kept.push(timer),
  );
  return { fired, kept };
}

describe('scheduleAt', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('fires once at a deadline within one timer delay', () => {
    const { fired, kept } = schedule(5000);
    jest.advanceTimersByTime(4999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([5000]);
    expect(kept).toHaveLength(1);
  });

  it('hops through a deadline beyond 2^31-1 ms instead of firing early', () => {
    const deadline = MAX_TIMER_DELAY_MS + 30 * DAY_MS;
    const { fired, kept } = schedule(deadline);
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).toEqual([]);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    jest.advanceTimersByTime(deadline - 1 - Date.now());
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([deadline]);
  });

  it('is cancelled by clearing the timer of the current hop', () => {
    const deadline = 3 * MAX_TIMER_DELAY_MS;
    const { fired, kept } = schedule(deadline);
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    clearTimeout(kept[kept.length - 1]);
    jest.advanceTimersByTime(deadline);
    expect(fired).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fires on the next tick for a deadline already past', () => {
    jest.setSystemTime(10_000);
    const { fired } = schedule(5000);
    jest.advanceTimersByTime(0);
    expect(fired).toEqual([10_000]);
  });
});
