import { quote } from './log-safe';

describe('quote', () => {
  it('renders a client-chosen value on one line, JSON-escaped and cut to 40 characters', () => {
    expect(quote('a\nb\u0000c')).toBe('"a\\nb\\u0000c"');
    expect(quote('x'.repeat(100))).toBe(`"${'x'.repeat(39)}…`);
  });

  it('escapes the line and paragraph separators JSON leaves as they are', () => {
    expect(quote('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"');
  });
});
