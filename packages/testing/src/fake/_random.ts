/** Deterministic randomness: a seeded PRNG for the fault knobs and seeded GUIDs for new objects. */
import { createHash } from 'node:crypto';

/** mulberry32: a tiny, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped GUID derived from `input` (same input, same GUID). */
export function guidFrom(input: string): string {
  const h = createHash('sha256').update(input).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A counter of seeded GUIDs: the n-th call returns the same value for the same seed. */
export function guidSequence(seed: number): { next(): string; reset(): void } {
  let n = 0;
  return {
    next: () => guidFrom(`wif-fake/${seed}/${++n}`),
    reset: () => {
      n = 0;
    },
  };
}
