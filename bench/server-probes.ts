/**
 * Measurements taken inside a server process for the storm and scale figures: event-loop delay,
 * the wall time of one `revokeSubject`, and of each expiry sweep. Bench-only instrumentation: the
 * library is measured as shipped, nothing in lib/ knows about it.
 */
import type { INestApplication } from '@nestjs/common';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { JwtSocketRevoker } from '../lib';
import { ExpirySchedule } from '../lib/socket/expiry-schedule';
import type { LoopDelayReading, TimedCall } from './protocol';

/** Sampling period of the event-loop monitor: a block shorter than this is not seen. */
const LOOP_RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;

let loopMonitor: IntervalHistogram | undefined;

export function startLoopDelayMonitor(): void {
  loopMonitor?.disable();
  loopMonitor = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopMonitor.enable();
}

/** The peak and 99th percentile since the monitor started or was last read; then starts over. */
export function readLoopDelay(): LoopDelayReading {
  if (!loopMonitor) return { maxMs: 0, p99Ms: 0 };
  const reading = { maxMs: loopMonitor.max / NS_PER_MS, p99Ms: loopMonitor.percentile(99) / NS_PER_MS };
  loopMonitor.reset();
  return reading;
}

/** One `revokeSubject` on this node, timed: the scan of every open socket plus the disconnects it causes. */
export function timeRevokeSubject(app: INestApplication, subject: string): TimedCall {
  const revoker = app.get(JwtSocketRevoker, { strict: false });
  return timed(() => revoker.revokeSubject(subject));
}

function timed(call: () => number): TimedCall {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const sockets = call();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpuBefore);
  return { ms, cpuMs: (user + system) / 1000, sockets };
}

const sweeps: TimedCall[] = [];

/**
 * Times every run of the library's expiry timer (`ExpirySchedule.fire`: one timer serves every
 * open socket, and each run disconnects the sockets that are due). Wraps the private method on the
 * prototype, in this process only.
 */
export function timeExpirySweeps(): void {
  const prototype = ExpirySchedule.prototype as unknown as { fire(this: ExpirySchedule<unknown>): void };
  const fire = prototype.fire;
  prototype.fire = function timedFire(this: ExpirySchedule<unknown>) {
    const scheduled = this.size;
    sweeps.push(
      timed(() => {
        fire.call(this);
        return scheduled - this.size;
      }),
    );
  };
}

/** Sweeps recorded since the previous call. */
export function takeSweeps(): TimedCall[] {
  return sweeps.splice(0);
}
