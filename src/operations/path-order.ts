/**
 * Paths in the order the databases sort them: by UTF-8 bytes, which is code
 * point order (PostgreSQL's COLLATE "C", SQLite's BINARY). JavaScript's `<`
 * compares UTF-16 units and puts a character above U+FFFF (a surrogate pair,
 * 0xD800–0xDFFF) before U+E000–U+FFFF, where the databases put it after.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return codePointRank(x) - codePointRank(y);
    return x - y;
  }
  return a.length - b.length;
}

/** Orders UTF-16 units at or above 0xD800 as their code points order: surrogates (astral characters) last. */
function codePointRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
