/** A revocation this node could not write to Redis yet: its instant (epoch ms) and when it may be forgotten. */
export interface PendingRecord {
  revokedAtMs: number;
  expiresAtMs: number;
}

/**
 * Revocations whose write failed (Redis down, too slow), kept in memory until a write succeeds. They
 * count on this node meanwhile, and are written when the connection is ready again. Two records of
 * one key merge into the later revocation and the later expiry.
 */
export class PendingRecords {
  private readonly records = new Map<string, PendingRecord>();

  get size(): number {
    return this.records.size;
  }

  add(key: string, record: PendingRecord): void {
    const known = this.records.get(key);
    this.records.set(
      key,
      known
        ? {
            revokedAtMs: Math.max(known.revokedAtMs, record.revokedAtMs),
            expiresAtMs: Math.max(known.expiresAtMs, record.expiresAtMs),
          }
        : record,
    );
  }

  /** Forgets `key` if `record` (or a later one) was written: a newer pending revocation stays. */
  written(key: string, record: PendingRecord): void {
    const known = this.records.get(key);
    if (known && known.revokedAtMs <= record.revokedAtMs && known.expiresAtMs <= record.expiresAtMs) {
      this.records.delete(key);
    }
  }

  /** The record of `key`, unless it expired (then forgotten). */
  get(key: string, now = Date.now()): PendingRecord | undefined {
    const record = this.records.get(key);
    if (record && record.expiresAtMs <= now) this.records.delete(key);
    return record && record.expiresAtMs > now ? record : undefined;
  }

  /** Every unexpired record, expired ones forgotten. */
  entries(now = Date.now()): Array<[string, PendingRecord]> {
    for (const [key, record] of this.records) if (record.expiresAtMs <= now) this.records.delete(key);
    return [...this.records];
  }
}
