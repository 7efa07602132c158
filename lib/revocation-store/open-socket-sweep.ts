import { Logger } from '@nestjs/common';
import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import { sessionOf } from '../socket/session-state';
import { describeError } from '../verification/log-safe';
import type { RedisRevocationStore } from './redis-revocation-store';

/**
 * Re-checks every open authenticated socket of this node against the store: every `sweepInterval`,
 * and as soon as the store's Redis connection is ready again (a node that missed revocations while
 * cut off learns them then). A revoked socket goes through `revoke` (`unauthorized` `token_revoked`,
 * then the disconnect). When Redis cannot answer, open sockets stay: the next sweep decides.
 */
export class OpenSocketSweep {
  private timer?: NodeJS.Timeout;
  private stopListening?: () => void;
  private running?: Promise<number>;
  private queued?: Promise<number>;
  private failing = false;
  private readonly logger = new Logger('JwtSocket');

  constructor(
    private readonly store: RedisRevocationStore,
    private readonly openSockets: () => Iterable<Socket>,
    private readonly revoke: (socket: Socket) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.runInBackground(), this.store.sweepInterval).unref();
    this.stopListening = this.store.onReconnect(() => this.runInBackground());
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** One sweep now. A call during a sweep queues one more (shared by every such call), read afresh. */
  run(): Promise<number> {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = undefined;
        return this.run();
      });
      return this.queued;
    }
    this.running = this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  /** From a timer or an event: nothing awaits it, so a failure is logged rather than left unhandled. */
  private runInBackground(): void {
    this.run().catch((error: unknown) => this.logger.error(`Revocation sweep failed: ${describeError(error)}`));
  }

  private async sweep(): Promise<number> {
    const checked = this.authenticatedSockets();
    if (checked.length === 0) return 0;
    let answers: boolean[];
    try {
      answers = await this.store.revokedAmong(checked.map(({ claims }) => claims));
    } catch (error) {
      this.warnOnce(error);
      return 0;
    }
    this.failing = false;
    let revoked = 0;
    checked.forEach(({ socket, claims }, index) => {
      // A socket that refreshed meanwhile holds other claims, checked at its refresh.
      if (!answers[index] || sessionOf(socket)?.claims !== claims || !sessionOf(socket)?.authenticated) return;
      this.revoke(socket);
      revoked++;
    });
    return revoked;
  }

  private authenticatedSockets(): Array<{ socket: Socket; claims: JwtPayload }> {
    const found: Array<{ socket: Socket; claims: JwtPayload }> = [];
    for (const socket of this.openSockets()) {
      const session = sessionOf(socket);
      if (session?.authenticated && session.claims) found.push({ socket, claims: session.claims });
    }
    return found;
  }

  /** One warning per outage, not one per sweep. */
  private warnOnce(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `Revocation sweep could not read Redis; open sockets are re-checked when it answers: ${describeError(error)}`,
    );
  }
}
