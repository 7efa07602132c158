"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FIGURE_KEYS = exports.FIGURES = void 0;
exports.median = median;
exports.distribution = distribution;
/** The figures measured each round, how they read, and which direction is better. */
exports.FIGURES = {
    cpuPerAcceptedUs: { label: 'CPU/accepted µs', better: 'lower' },
    cpuPerRejectedUs: { label: 'CPU/rejected µs', better: 'lower' },
    acksPerSecOpen: { label: 'acks/s open', better: 'higher' },
    acksPerSecGuarded: { label: 'acks/s guarded', better: 'higher' },
    cpuPerEventOpenUs: { label: 'CPU/event open µs', better: 'lower' },
    cpuPerEventGuardedUs: { label: 'CPU/event guarded µs', better: 'lower' },
    heapPerSocketBytes: { label: 'heap/socket B', better: 'lower' },
    connectMs: { label: 'connect→ready ms', better: 'lower' },
    authMs: { label: 'connect→authenticated ms', better: 'lower' },
};
exports.FIGURE_KEYS = Object.keys(exports.FIGURES);
function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
function distribution(values) {
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}
