import { readFileSync } from 'node:fs';
import { startApp, type TestApp, type TestAppOptions } from './app';

/**
 * `startApp` with a listen backlog that holds a whole crowd. With Node's default (511), 2,000
 * simultaneous connects overflow the accept queue; the kernel falls back to SYN cookies and resets
 * a few of those connections, which would fail clients for reasons outside the library.
 */
export function startLoadApp(options: TestAppOptions, backlog: number): Promise<TestApp> {
  return startApp({ ...options, backlog });
}

/** The soft limit on open files, when the OS tells. */
export function openFileLimit(): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!match) return undefined;
    return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** The kernel's cap on any listen backlog (`net.core.somaxconn`), when the OS tells. */
export function listenBacklogCap(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  } catch {
    return undefined;
  }
}
