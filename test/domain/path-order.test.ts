/** comparePaths orders paths as the databases do: by UTF-8 bytes (code points), not by UTF-16 units. */
import { describe, expect, it } from 'vitest';
import { comparePaths } from '../../src/operations/path-order.js';

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const sign = (n: number) => Math.sign(n);

describe('comparePaths', () => {
  it('agrees with UTF-8 byte order where JavaScript comparison does not (astral characters after U+E000–U+FFFF)', () => {
    expect(comparePaths('/\u{1F600}', '/\uFFFD')).toBeGreaterThan(0);
    expect('/\u{1F600}' < '/\uFFFD').toBe(true); // what `<` would have said
    expect(comparePaths('/a', '/a/b')).toBeLessThan(0);
    expect(comparePaths('/a b', '/a/b')).toBeLessThan(0);
    expect(comparePaths('/a/b', '/a0')).toBeLessThan(0);
    expect(comparePaths('/x', '/x')).toBe(0);
  });

  it('matches byte order on a mixed sample, pair by pair', () => {
    const sample = ['/', '/a', '/a b', '/a/b', '/a0', '/é', '/e\u0301', '/\u4e2d', '/\uE000', '/\uFFFD', '/\u{10000}', '/\u{1F600}', '/\u{1F600}/x', '/z', '/Z', '/a.txt', '/a-1'];
    for (const a of sample) for (const b of sample) expect(sign(comparePaths(a, b)), `${a} vs ${b}`).toBe(sign(byBytes(a, b)));
  });
});
