"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_TIMER_DELAY_MS = void 0;
exports.scheduleAt = scheduleAt;
/** setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days). */
exports.MAX_TIMER_DELAY_MS = 2_147_483_647;
/**
 * Calls `onDeadline(target)` at `deadline` (epoch ms), hopping in steps a Node timer can hold.
 * Returns the timer of the current hop; the caller keeps it to clear it.
 */
function scheduleAt(deadline, target, onDeadline, keep) {
    const delay = deadline - Date.now();
    if (delay > exports.MAX_TIMER_DELAY_MS) {
        keep(setTimeout(scheduleAt, exports.MAX_TIMER_DELAY_MS, deadline, target, onDeadline, keep).unref(), target);
    }
    else {
        keep(setTimeout(onDeadline, Math.max(0, delay), target).unref(), target);
    }
}
