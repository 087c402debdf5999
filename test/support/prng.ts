/** A small seeded PRNG (mulberry32) so fuzz runs are reproducible from their seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

/** Values that break naive validators: wrong types, huge, empty, unicode, injection-shaped. */
export const NASTY_VALUES: readonly unknown[] = [
  null, true, 0, -1, 1e308, "", " ", "a".repeat(5000), "<script>alert(1)</script>", "../../etc/passwd", "\u0000", "𝕏🙂\u202e",
  "@x:y", "x@y", [], {}, [1, "a"], { $ref: "#" }, "__proto__", { __proto__: { polluted: true } }, "%00", "DROP TABLE",
];
