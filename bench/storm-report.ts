/** Summaries, targets and the markdown report of the storm, scale and cluster figures. */
import { distribution, type Distribution } from './figures';
import { BASELINE } from './scenarios';
import { BACKOFF_VARIANTS, type FlatSample } from './storm';

export type StormSamples = Record<string, FlatSample[]>;

export interface FigureSummary extends Distribution {
  /** Median over rounds of (this scenario / `none`) in the same round. */
  ratioToBaseline?: Distribution;
}

export type StormSummary = Record<string, FigureSummary>;

interface FigureDefinition {
  key: string;
  label: string;
  /** Show the ratio to `none` next to the figure. */
  ratio?: boolean;
  /** A count: printed without decimals. */
  count?: boolean;
}

const STORM_FIGURES: FigureDefinition[] = [
  { key: 'seconds', label: 'all back s', ratio: true },
  { key: 'halfBackSeconds', label: 'half back s', ratio: true },
  { key: 'cpuPerClientUs', label: 'CPU/client µs', ratio: true },
  { key: 'loopDelayMaxMs', label: 'peak loop delay ms', ratio: true },
  { key: 'loopDelayP99Ms', label: 'p99 loop delay ms' },
  { key: 'retriedErrors', label: 'retried attempts', count: true },
  { key: 'portClosedMs', label: 'port closed ms' },
  { key: 'jwksFetches', label: 'JWKS fetches', count: true },
];

const SCALE_FIGURES: FigureDefinition[] = [
  { key: 'connectCpuUs', label: 'CPU/connect µs', ratio: true },
  { key: 'heapPerSocketBytes', label: 'heap/socket B', ratio: true },
  { key: 'rssPerSocketBytes', label: 'RSS/socket B', ratio: true },
  { key: 'revokeSubjectMs', label: 'revokeSubject ms' },
  { key: 'revokeSubjectCpuMs', label: 'revokeSubject CPU ms' },
  { key: 'revokeScanMs', label: 'revokeSubject, no match, ms' },
  { key: 'sweepMs', label: 'expiry sweep ms' },
  { key: 'sweepCpuMs', label: 'expiry sweep CPU ms' },
  { key: 'sweepSockets', label: 'sockets in the sweep', count: true },
];

const CLUSTER_FIGURES: FigureDefinition[] = [
  { key: 'singleCpuUs', label: 'CPU/connect µs, 1 node', ratio: true },
  { key: 'clusterCpuUs', label: 'CPU/connect µs per node, 2 nodes + Redis', ratio: true },
  { key: 'clusterVsSingle', label: '2 nodes / 1 node' },
];

/** Per-round values of `fn(a, b)` for the rounds where both exist. */
function paired(a: FlatSample[], b: FlatSample[], key: string, fn: (x: number, y: number) => number): number[] {
  const values: number[] = [];
  for (let round = 0; round < Math.min(a.length, b.length); round++) {
    const x = a[round]?.[key];
    const y = b[round]?.[key];
    if (x !== undefined && y !== undefined && y !== 0) values.push(fn(x, y));
  }
  return values;
}

const ratio = (x: number, y: number) => x / y;
const difference = (x: number, y: number) => x - y;

export function summarizeStorm(samples: StormSamples): Record<string, StormSummary> {
  const baseline = samples[BASELINE] ?? [];
  const summaries: Record<string, StormSummary> = {};
  for (const [name, rounds] of Object.entries(samples)) {
    // A run stopped by a failure leaves holes: the rounds it did not reach.
    const keys = new Set(rounds.flatMap((round) => Object.keys(round ?? {})));
    const summary: StormSummary = {};
    for (const key of keys) {
      const values = rounds.map((round) => round?.[key]).filter((value): value is number => value !== undefined);
      const ratios = paired(rounds, baseline, key, ratio);
      summary[key] = { ...distribution(values), ratioToBaseline: ratios.length ? distribution(ratios) : undefined };
    }
    summaries[name] = summary;
  }
  return summaries;
}

export interface StormTarget {
  id: string;
  description: string;
  value: Distribution;
  comparison: '<=' | '==';
  threshold: number;
  unit: 'x' | 'B' | 'ms' | '';
  met: boolean;
}

function target(
  id: string,
  description: string,
  values: number[],
  comparison: StormTarget['comparison'],
  threshold: number,
  unit: StormTarget['unit'],
): StormTarget | undefined {
  if (values.length === 0) return undefined;
  const value = distribution(values);
  const met = comparison === '<=' ? value.median <= threshold : value.min === threshold && value.max === threshold;
  return { id, description, value, comparison, threshold, unit, met };
}

/** Storm time against `none` in the same round: HS256 may cost 20% more, the RSA scenarios 50%. */
const STORM_TIME_LIMITS: Record<string, number> = { handshake: 1.2, rs256: 1.5, jwks: 1.5 };
const HEAP_ALLOWANCE_BYTES = 1024;
const REVOKE_SUBJECT_LIMIT_MS = 5;
/** The bench's own tolerance for "does not grow with the cluster": the machine's noise between two runs. */
const CLUSTER_GROWTH_LIMIT = 1.1;

export interface SafetyCounts {
  invalidExpected: number;
  invalidAccepted: number;
  invalidReachedGateway: number;
  validExpected: number;
  validLeftOut: number;
}

export function evaluateStormTargets(
  storm: StormSamples,
  cluster: StormSamples,
  safety: SafetyCounts | undefined,
  libraryScenarios: readonly string[],
): StormTarget[] {
  const none = storm[BASELINE] ?? [];
  const targets: Array<StormTarget | undefined> = [];
  for (const variant of BACKOFF_VARIANTS) {
    for (const [name, limit] of Object.entries(STORM_TIME_LIMITS)) {
      targets.push(
        target(
          `storm-${variant.name}-${name}`,
          `storm (${variant.name}): ${name} time until all are back <= ${limit}x none`,
          paired(storm[name] ?? [], none, `${variant.name}.seconds`, ratio),
          '<=',
          limit,
          'x',
        ),
      );
    }
  }
  for (const name of libraryScenarios) {
    const rounds = storm[name] ?? [];
    targets.push(
      target(
        `scale-heap-${name}`,
        `scale: ${name} heap per authenticated socket <= none + 1 KB`,
        paired(rounds, none, 'heapPerSocketBytes', difference),
        '<=',
        HEAP_ALLOWANCE_BYTES,
        'B',
      ),
      target(
        `scale-revoke-${name}`,
        `scale: ${name} one revokeSubject < ${REVOKE_SUBJECT_LIMIT_MS} ms`,
        rounds.map((round) => round?.revokeSubjectMs).filter((value) => value !== undefined),
        '<=',
        REVOKE_SUBJECT_LIMIT_MS,
        'ms',
      ),
    );
  }
  for (const [name, rounds] of Object.entries(cluster)) {
    targets.push(
      target(
        `cluster-${name}`,
        `cluster: ${name} per-node CPU per connection, 2 nodes over Redis <= ${CLUSTER_GROWTH_LIMIT}x 1 node`,
        rounds.map((round) => round?.clusterVsSingle).filter((value) => value !== undefined),
        '<=',
        CLUSTER_GROWTH_LIMIT,
        'x',
      ),
    );
  }
  if (safety) {
    targets.push(
      target(
        'storm-invalid-in',
        `storm: wrong-key clients let in (of ${safety.invalidExpected}), by the client or by handleConnection calls`,
        [Math.max(safety.invalidAccepted, safety.invalidReachedGateway)],
        '==',
        0,
        '',
      ),
      target(
        'storm-valid-out',
        `storm: valid clients left out (of ${safety.validExpected})`,
        [safety.validLeftOut],
        '==',
        0,
        '',
      ),
    );
    const fetches = (storm.jwks ?? []).flatMap((round) =>
      BACKOFF_VARIANTS.map((variant) => round?.[`${variant.name}.jwksFetches`]).filter((value) => value !== undefined),
    );
    targets.push(target('storm-jwks-fetches', 'storm: JWKS fetches after each restart', fetches, '==', 1, ''));
  }
  return targets.filter((candidate): candidate is StormTarget => candidate !== undefined);
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatTargetValue(value: number, unit: StormTarget['unit']): string {
  if (unit === 'x') return `${value.toFixed(3)}x`;
  if (unit === 'B') return `${value >= 0 ? '+' : ''}${value.toFixed(0)} B`;
  if (unit === 'ms') return `${value.toFixed(3)} ms`;
  return String(value);
}

function table(
  title: string,
  scenarios: readonly string[],
  summaries: Record<string, StormSummary>,
  figures: FigureDefinition[],
  prefix = '',
): string[] {
  const present = figures.filter((figure) => scenarios.some((name) => summaries[name]?.[prefix + figure.key]));
  if (present.length === 0) return [];
  const lines = [`### ${title}`, '', `| scenario | ${present.map((figure) => figure.label).join(' | ')} |`];
  lines.push(`|---|${present.map(() => '---:').join('|')}|`);
  for (const name of scenarios) {
    const cells = present.map((figure) => {
      const summary = summaries[name]?.[prefix + figure.key];
      if (!summary) return '—';
      const ratioText =
        figure.ratio && summary.ratioToBaseline && name !== BASELINE
          ? ` (${summary.ratioToBaseline.median.toFixed(2)}x)`
          : '';
      return `${figure.count ? summary.median.toFixed(0) : formatNumber(summary.median)}${ratioText}`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}

/**
 * What a cache of verified RS256 signatures could save at most in a storm: the share of the server's
 * CPU per client that RS256 adds over HS256 (same library, same protocol, same token claims). A cache
 * kept in the process that crashed saves nothing after a restart: its entries die with it.
 */
function signatureCacheCeiling(storm: Record<string, StormSummary>): string[] {
  const lines: string[] = [];
  for (const variant of BACKOFF_VARIANTS) {
    const hs256 = storm.handshake?.[`${variant.name}.cpuPerClientUs`]?.median;
    for (const name of ['rs256', 'jwks']) {
      const rsa = storm[name]?.[`${variant.name}.cpuPerClientUs`]?.median;
      if (hs256 === undefined || rsa === undefined) continue;
      const share = (rsa - hs256) / rsa;
      const added =
        share > 0
          ? `RSA adds ${(share * 100).toFixed(1)}%`
          : `RSA adds nothing measurable (${(share * 100).toFixed(1)}%)`;
      lines.push(
        `- ${variant.name}: \`${name}\` ${formatNumber(rsa)} µs per client, \`handshake\` (HS256) ${formatNumber(hs256)} µs: ${added} of \`${name}\`'s storm CPU, the most a verified-signature cache could save (and none after a crash: the cache dies with the process)`,
      );
    }
  }
  return lines.length ? ['### Signature cache ceiling', '', ...lines, ''] : [];
}

export interface StormReportInput {
  title: string;
  details: string[];
  scenarios: readonly string[];
  storm: Record<string, StormSummary>;
  cluster: Record<string, StormSummary>;
  targets: readonly StormTarget[];
  footer: string[];
}

export function renderStormMarkdown(input: StormReportInput): string {
  const lines = [`## ${input.title}`, '', ...input.details.map((detail) => `- ${detail}`), ''];
  lines.push('Medians over rounds; `(1.02x)` = median of the per-round ratio to `none`.', '');
  for (const variant of BACKOFF_VARIANTS) {
    lines.push(
      ...table(
        `Storm, ${variant.name} (randomizationFactor ${variant.randomizationFactor})`,
        input.scenarios,
        input.storm,
        STORM_FIGURES,
        `${variant.name}.`,
      ),
    );
  }
  lines.push(...table('Scale', input.scenarios, input.storm, SCALE_FIGURES));
  lines.push(...table('Cluster', input.scenarios, input.cluster, CLUSTER_FIGURES));
  lines.push(...signatureCacheCeiling(input.storm));
  lines.push('| target | median | rounds min–max | result |', '|---|---:|---:|---|');
  for (const item of input.targets) {
    const range = `${formatTargetValue(item.value.min, item.unit)} – ${formatTargetValue(item.value.max, item.unit)}`;
    const goal = `${item.comparison} ${formatTargetValue(item.threshold, item.unit === 'B' ? '' : item.unit)}${item.unit === 'B' ? ' B' : ''}`;
    lines.push(
      `| ${item.description} | ${formatTargetValue(item.value.median, item.unit)} (${goal}) | ${range} | ${item.met ? 'met' : '**missed**'} |`,
    );
  }
  lines.push('', ...input.footer);
  return lines.join('\n');
}
