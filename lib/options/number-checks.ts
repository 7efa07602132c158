import { describeReceived, JwtSocketConfigError } from './config-error';

/** `name` must be a finite number at or above zero (`positive`: above zero); `unit` is said in the message. */
export function assertNonNegative(name: string, value: unknown, { positive = false, unit = '' } = {}): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    const what = `${positive ? 'a positive' : 'a non-negative'} number${unit ? ` of ${unit}` : ''}`;
    const received = typeof value === 'number' ? String(value) : describeReceived(value);
    throw new JwtSocketConfigError(`JwtSocketModule: \`${name}\` must be ${what}; received ${received}`);
  }
}
