import { BASELINE, type Scenario } from './scenarios';
import { distribution, FIGURE_KEYS, FIGURES, type Distribution, type FigureKey, type RoundSample } from './figures';

/** Rounds of one scenario, index-aligned with the other scenarios' rounds (they ran interleaved). */
export type SamplesByScenario = Record<string, RoundSample[]>;

export interface FigureSummary extends Distribution {
  /** Median over rounds of (this scenario / `none`) in the same round. */
  ratioToBaseline?: Distribution;
}

export type ScenarioSummary = Partial<Record<FigureKey, FigureSummary>>;

export interface Target {
  id: string;
  description: string;
  /** Median over rounds of the per-round value (ratio or difference); min/max show the spread. */
  value: Distribution;
  comparison: '<=' | '>=';
  threshold: number;
  unit: 'x' | 'B';
  met: boolean;
}

const HEAP_ALLOWANCE_BYTES = 1024;
const THREAM = 'thream';
const HANDSHAKE = 'handshake';

/** Per-round values of `fn(a, b)` over the rounds where both figures exist. */
function paired(
  a: RoundSample[],
  b: RoundSample[],
  keyA: FigureKey,
  keyB: FigureKey,
  fn: (x: number, y: number) => number,
): number[] {
  const values: number[] = [];
  for (let round = 0; round < Math.min(a.length, b.length); round++) {
    const x = a[round][keyA];
    const y = b[round][keyB];
    if (x !== undefined && y !== undefined && y !== 0) values.push(fn(x, y));
  }
  return values;
}

const ratio = (x: number, y: number) => x / y;
const difference = (x: number, y: number) => x - y;

export function summarize(samples: SamplesByScenario): Record<string, ScenarioSummary> {
  const baseline = samples[BASELINE];
  const summaries: Record<string, ScenarioSummary> = {};
  for (const [name, rounds] of Object.entries(samples)) {
    const summary: ScenarioSummary = {};
    for (const key of FIGURE_KEYS) {
      const values = rounds.map((round) => round[key]).filter((value): value is number => value !== undefined);
      if (values.length === 0) continue;
      const ratios = baseline ? paired(rounds, baseline, key, key, ratio) : [];
      summary[key] = { ...distribution(values), ratioToBaseline: ratios.length ? distribution(ratios) : undefined };
    }
    summaries[name] = summary;
  }
  return summaries;
}

function target(
  id: string,
  description: string,
  values: number[],
  comparison: Target['comparison'],
  threshold: number,
  unit: Target['unit'],
): Target | undefined {
  if (values.length === 0) return undefined;
  const value = distribution(values);
  const met = comparison === '<=' ? value.median <= threshold : value.median >= threshold;
  return { id, description, value, comparison, threshold, unit, met };
}

/** The issue's targets, for the scenarios that ran. */
export function evaluateTargets(samples: SamplesByScenario, scenarios: readonly Scenario[]): Target[] {
  const none = samples[BASELINE] ?? [];
  const handshake = samples[HANDSHAKE] ?? [];
  const thream = samples[THREAM] ?? [];
  const targets: Array<Target | undefined> = [
    target(
      'handshake-cpu-vs-none',
      'handshake HS256: server CPU per accepted connection <= 1.05x none',
      paired(handshake, none, 'cpuPerAcceptedUs', 'cpuPerAcceptedUs', ratio),
      '<=',
      1.05,
      'x',
    ),
    target(
      'handshake-rejected-vs-accepted',
      'handshake: CPU per rejected connection (bad signature) <= CPU per accepted one',
      paired(handshake, handshake, 'cpuPerRejectedUs', 'cpuPerAcceptedUs', ratio),
      '<=',
      1,
      'x',
    ),
  ];
  for (const scenario of scenarios.filter((candidate) => candidate.isLibrary)) {
    const rounds = samples[scenario.name] ?? [];
    targets.push(
      target(
        `${scenario.name}-guard-acks`,
        `${scenario.name}: guarded acks/s >= 0.97x unguarded`,
        paired(rounds, rounds, 'acksPerSecGuarded', 'acksPerSecOpen', ratio),
        '>=',
        0.97,
        'x',
      ),
      target(
        `${scenario.name}-heap`,
        `${scenario.name}: heap per authenticated socket <= none + 1 KB`,
        paired(rounds, none, 'heapPerSocketBytes', 'heapPerSocketBytes', difference),
        '<=',
        HEAP_ALLOWANCE_BYTES,
        'B',
      ),
    );
  }
  for (const key of FIGURE_KEYS) {
    const lowerIsBetter = FIGURES[key].better === 'lower';
    targets.push(
      target(
        `handshake-vs-thream-${key}`,
        `handshake at least as good as thream: ${FIGURES[key].label}`,
        paired(handshake, thream, key, key, ratio),
        lowerIsBetter ? '<=' : '>=',
        1,
        'x',
      ),
    );
  }
  return targets.filter((candidate): candidate is Target => candidate !== undefined);
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatTargetValue(value: number, unit: Target['unit']): string {
  return unit === 'x' ? `${value.toFixed(3)}x` : `${value >= 0 ? '+' : ''}${value.toFixed(0)} B`;
}

export interface ReportHeader {
  title: string;
  details: string[];
}

export function renderMarkdown(
  header: ReportHeader,
  scenarios: readonly Scenario[],
  summaries: Record<string, ScenarioSummary>,
  targets: readonly Target[],
  footer: string[],
): string {
  const keys = FIGURE_KEYS.filter((key) => scenarios.some((scenario) => summaries[scenario.name]?.[key]));
  const lines = [`## ${header.title}`, '', ...header.details.map((detail) => `- ${detail}`), ''];
  lines.push('Medians over rounds; `(1.02x)` = median of the per-round ratio to `none`.', '');
  lines.push(`| scenario | ${keys.map((key) => FIGURES[key].label).join(' | ')} |`);
  lines.push(`|---|${keys.map(() => '---:').join('|')}|`);
  for (const scenario of scenarios) {
    const cells = keys.map((key) => {
      const figure = summaries[scenario.name]?.[key];
      if (!figure) return '—';
      const ratioText =
        figure.ratioToBaseline && scenario.name !== BASELINE ? ` (${figure.ratioToBaseline.median.toFixed(2)}x)` : '';
      return `${formatNumber(figure.median)}${ratioText}`;
    });
    lines.push(`| ${scenario.name} | ${cells.join(' | ')} |`);
  }
  lines.push('', '| target | median | rounds min–max | result |', '|---|---:|---:|---|');
  for (const item of targets) {
    const range = `${formatTargetValue(item.value.min, item.unit)} – ${formatTargetValue(item.value.max, item.unit)}`;
    const goal = `${item.comparison} ${item.unit === 'x' ? `${item.threshold}x` : `${item.threshold} B`}`;
    lines.push(
      `| ${item.description} | ${formatTargetValue(item.value.median, item.unit)} (${goal}) | ${range} | ${item.met ? 'met' : '**missed**'} |`,
    );
  }
  lines.push('', ...footer);
  return lines.join('\n');
}
