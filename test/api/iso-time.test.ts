/** isoTime must print exactly what Date#toISOString prints. */
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/api/iso-time.js';

describe('isoTime', () => {
  it('matches toISOString on boundaries and on a million pseudo-random instants', () => {
    const fixed = [0, -1, 1, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 4_102_444_800_000, -62_135_596_800_000, 253_402_300_799_999, -62_167_219_200_000];
    for (const ms of fixed) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 1_000_000; i++) {
      const ms = Math.floor((random() * 2 - 0.5) * 4_000_000_000_000);
      if (isoTime(ms) !== new Date(ms).toISOString()) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
