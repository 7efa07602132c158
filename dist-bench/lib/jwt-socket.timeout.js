"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isPromiseLike = isPromiseLike;
exports.withTimeout = withTimeout;
exports.describeError = describeError;
function isPromiseLike(value) {
    return typeof value?.then === 'function';
}
/** Settles like `promise`, or rejects after `ms` so a caller that never answers cannot hang a socket. */
function withTimeout(promise, ms) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
        promise.then((value) => {
            clearTimeout(timer);
            resolve(value);
        }, (error) => {
            clearTimeout(timer);
            reject(error);
        });
    });
}
/** A log-safe description: the message only, never the value (which could hold key material). */
function describeError(error) {
    return error instanceof Error ? error.message : typeof error;
}
