"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.summarize = summarize;
exports.evaluateTargets = evaluateTargets;
exports.renderMarkdown = renderMarkdown;
const scenarios_1 = require("./scenarios");
const figures_1 = require("./figures");
const HEAP_ALLOWANCE_BYTES = 1024;
const THREAM = 'thream';
const HANDSHAKE = 'handshake';
/** Per-round values of `fn(a, b)` over the rounds where both figures exist. */
function paired(a, b, keyA, keyB, fn) {
    const values = [];
    for (let round = 0; round < Math.min(a.length, b.length); round++) {
        const x = a[round][keyA];
        const y = b[round][keyB];
        if (x !== undefined && y !== undefined && y !== 0)
            values.push(fn(x, y));
    }
    return values;
}
const ratio = (x, y) => x / y;
const difference = (x, y) => x - y;
function summarize(samples) {
    const baseline = samples[scenarios_1.BASELINE];
    const summaries = {};
    for (const [name, rounds] of Object.entries(samples)) {
        const summary = {};
        for (const key of figures_1.FIGURE_KEYS) {
            const values = rounds.map((round) => round[key]).filter((value) => value !== undefined);
            if (values.length === 0)
                continue;
            const ratios = baseline ? paired(rounds, baseline, key, key, ratio) : [];
            summary[key] = { ...(0, figures_1.distribution)(values), ratioToBaseline: ratios.length ? (0, figures_1.distribution)(ratios) : undefined };
        }
        summaries[name] = summary;
    }
    return summaries;
}
function target(id, description, values, comparison, threshold, unit) {
    if (values.length === 0)
        return undefined;
    const value = (0, figures_1.distribution)(values);
    const met = comparison === '<=' ? value.median <= threshold : value.median >= threshold;
    return { id, description, value, comparison, threshold, unit, met };
}
/** The issue's targets, for the scenarios that ran. */
function evaluateTargets(samples, scenarios) {
    const none = samples[scenarios_1.BASELINE] ?? [];
    const handshake = samples[HANDSHAKE] ?? [];
    const thream = samples[THREAM] ?? [];
    const targets = [
        target('handshake-cpu-vs-none', 'handshake HS256: server CPU per accepted connection <= 1.05x none', paired(handshake, none, 'cpuPerAcceptedUs', 'cpuPerAcceptedUs', ratio), '<=', 1.05, 'x'),
        target('handshake-rejected-vs-accepted', 'handshake: CPU per rejected connection (bad signature) <= CPU per accepted one', paired(handshake, handshake, 'cpuPerRejectedUs', 'cpuPerAcceptedUs', ratio), '<=', 1, 'x'),
    ];
    for (const scenario of scenarios.filter((candidate) => candidate.isLibrary)) {
        const rounds = samples[scenario.name] ?? [];
        targets.push(target(`${scenario.name}-guard-acks`, `${scenario.name}: guarded acks/s >= 0.97x unguarded`, paired(rounds, rounds, 'acksPerSecGuarded', 'acksPerSecOpen', ratio), '>=', 0.97, 'x'), target(`${scenario.name}-heap`, `${scenario.name}: heap per authenticated socket <= none + 1 KB`, paired(rounds, none, 'heapPerSocketBytes', 'heapPerSocketBytes', difference), '<=', HEAP_ALLOWANCE_BYTES, 'B'));
    }
    for (const key of figures_1.FIGURE_KEYS) {
        const lowerIsBetter = figures_1.FIGURES[key].better === 'lower';
        targets.push(target(`handshake-vs-thream-${key}`, `handshake at least as good as thream: ${figures_1.FIGURES[key].label}`, paired(handshake, thream, key, key, ratio), lowerIsBetter ? '<=' : '>=', 1, 'x'));
    }
    return targets.filter((candidate) => candidate !== undefined);
}
function formatNumber(value) {
    if (Math.abs(value) >= 100)
        return value.toFixed(0);
    if (Math.abs(value) >= 10)
        return value.toFixed(1);
    return value.toFixed(2);
}
function formatTargetValue(value, unit) {
    return unit === 'x' ? `${value.toFixed(3)}x` : `${value >= 0 ? '+' : ''}${value.toFixed(0)} B`;
}
function renderMarkdown(header, scenarios, summaries, targets, footer) {
    const keys = figures_1.FIGURE_KEYS.filter((key) => scenarios.some((scenario) => summaries[scenario.name]?.[key]));
    const lines = [`## ${header.title}`, '', ...header.details.map((detail) => `- ${detail}`), ''];
    lines.push('Medians over rounds; `(1.02x)` = median of the per-round ratio to `none`.', '');
    lines.push(`| scenario | ${keys.map((key) => figures_1.FIGURES[key].label).join(' | ')} |`);
    lines.push(`|---|${keys.map(() => '---:').join('|')}|`);
    for (const scenario of scenarios) {
        const cells = keys.map((key) => {
            const figure = summaries[scenario.name]?.[key];
            if (!figure)
                return '—';
            const ratioText = figure.ratioToBaseline && scenario.name !== scenarios_1.BASELINE ? ` (${figure.ratioToBaseline.median.toFixed(2)}x)` : '';
            return `${formatNumber(figure.median)}${ratioText}`;
        });
        lines.push(`| ${scenario.name} | ${cells.join(' | ')} |`);
    }
    lines.push('', '| target | median | rounds min–max | result |', '|---|---:|---:|---|');
    for (const item of targets) {
        const range = `${formatTargetValue(item.value.min, item.unit)} – ${formatTargetValue(item.value.max, item.unit)}`;
        const goal = `${item.comparison} ${item.unit === 'x' ? `${item.threshold}x` : `${item.threshold} B`}`;
        lines.push(`| ${item.description} | ${formatTargetValue(item.value.median, item.unit)} (${goal}) | ${range} | ${item.met ? 'met' : '**missed**'} |`);
    }
    lines.push('', ...footer);
    return lines.join('\n');
}
