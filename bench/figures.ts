/** The figures measured each round, how they read, and which direction is better. */
export const FIGURES = {
  cpuPerAcceptedUs: { label: 'CPU/accepted µs', better: 'lower' },
  cpuPerRejectedUs: { label: 'CPU/rejected µs', better: 'lower' },
  acksPerSecOpen: { label: 'acks/s open', better: 'higher' },
  acksPerSecGuarded: { label: 'acks/s guarded', better: 'higher' },
  cpuPerEventOpenUs: { label: 'CPU/event open µs', better: 'lower' },
  cpuPerEventGuardedUs: { label: 'CPU/event guarded µs', better: 'lower' },
  heapPerSocketBytes: { label: 'heap/socket B', better: 'lower' },
  connectMs: { label: 'connect→ready ms', better: 'lower' },
  authMs: { label: 'connect→authenticated ms', better: 'lower' },
} as const satisfies Record<string, { label: string; better: 'lower' | 'higher' }>;

export type FigureKey = keyof typeof FIGURES;
export const FIGURE_KEYS = Object.keys(FIGURES) as FigureKey[];

/**
 * One scenario's figures in one round; a figure a scenario does not have is absent. `position`:
 * where the scenario ran in its round (0 = first), kept in the JSON to check for order effects.
 */
export type RoundSample = Partial<Record<FigureKey, number>> & { position?: number };

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface Distribution {
  median: number;
  min: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}
