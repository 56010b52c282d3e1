import { describe, expect, it } from 'vitest';
import { withLock } from './lock';

describe('withLock', () => {
  it('runs work for one key one at a time, in order, and other keys in parallel', async () => {
    const log: string[] = [];
    const work = (key: string, id: string, ms: number) =>
      withLock(key, async () => {
        log.push(`start ${id}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${id}`);
        return id;
      });
    const results = await Promise.all([work('a', 'a1', 20), work('a', 'a2', 1), work('b', 'b1', 5)]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });
  it('keeps going after a failure', async () => {
    const failed = withLock('c', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(withLock('c', async () => 'next')).resolves.toBe('next');
  });
});
