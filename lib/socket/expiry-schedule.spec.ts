import { ExpirySchedule, MAX_TIMER_DELAY_MS } from './expiry-schedule';

const DAY_MS = 24 * 60 * 60 * 1000;

function scheduleOf() {
  const fired: Array<{ target: string; at: number }> = [];
  const schedule = new ExpirySchedule<string>((target) => fired.push({ target, at: Date.now() }));
  return { schedule, fired };
}

describe('ExpirySchedule', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('fires a target at its deadline, never before', () => {
    const { schedule, fired } = scheduleOf();
    schedule.add('a', 5000);
    jest.advanceTimersByTime(4999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([{ target: 'a', at: 5000 }]);
    expect(schedule.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rounds a deadline between seconds up, so it still never fires early', () => {
    const { schedule, fired } = scheduleOf();
    schedule.add('a', 5200);
    jest.advanceTimersByTime(5199);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(801);
    expect(fired).toEqual([{ target: 'a', at: 6000 }]);
  });

  it('serves many targets with a single timer, in deadline order', () => {
    const { schedule, fired } = scheduleOf();
    schedule.add('late', 9000);
    schedule.add('early', 2000);
    schedule.add('early-too', 2000);
    schedule.add('middle', 4000);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(fired).toEqual([
      { target: 'early', at: 2000 },
      { target: 'early-too', at: 2000 },
      { target: 'middle', at: 4000 },
      { target: 'late', at: 9000 },
    ]);
  });

  it('forgets a removed target, and stops its timer once nothing is left', () => {
    const { schedule, fired } = scheduleOf();
    const slot = schedule.add('a', 3000);
    const other = schedule.add('b', 6000);
    schedule.remove('a', slot);
    expect(schedule.size).toBe(1);
    jest.advanceTimersByTime(3000);
    expect(fired).toEqual([]);
    schedule.remove('b', other);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(fired).toEqual([]);
  });

  it('moves a target: remove then add re-arms for the new deadline', () => {
    const { schedule, fired } = scheduleOf();
    const slot = schedule.add('a', 2000);
    schedule.remove('a', slot);
    schedule.add('a', 7000);
    jest.advanceTimersByTime(6999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([{ target: 'a', at: 7000 }]);
  });

  it('hops through a deadline beyond 2^31-1 ms instead of firing early', () => {
    const { schedule, fired } = scheduleOf();
    const deadline = MAX_TIMER_DELAY_MS + 30 * DAY_MS + 1000 - ((MAX_TIMER_DELAY_MS + 30 * DAY_MS) % 1000);
    schedule.add('far', deadline);
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(deadline - 1 - Date.now());
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([{ target: 'far', at: deadline }]);
  });

  it('fires on the next tick for a deadline already past', () => {
    jest.setSystemTime(10_000);
    const { schedule, fired } = scheduleOf();
    schedule.add('a', 5000);
    jest.advanceTimersByTime(0);
    expect(fired).toEqual([{ target: 'a', at: 10_000 }]);
  });
});
