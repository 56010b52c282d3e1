import { describe, expect, it } from 'vitest';
import { credentialLockKey, withLock } from './lock';

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

describe('credentialLockKey', () => {
  const graph = { transport: { baseUrl: 'https://graph.microsoft.com/v1.0' } };
  const arm = { transport: { baseUrl: 'https://management.azure.com' } };
  it('is one key per parent, whatever the case of its id', () => {
    const id = '5A7D2C3E-1F00-4B6A-9C8D-0E1F2A3B4C5D';
    expect(credentialLockKey('application', graph, id)).toBe(credentialLockKey('application', graph, id.toLowerCase()));
  });
  it('keeps apart other parents, kinds of parent, and services at other base URLs', () => {
    const key = credentialLockKey('application', graph, 'a');
    expect(new Set([key, credentialLockKey('application', graph, 'b'), credentialLockKey('managedIdentity', arm, 'a')]).size).toBe(3);
    expect(credentialLockKey('application', { transport: { baseUrl: 'http://127.0.0.1:9/v1.0' } }, 'a')).not.toBe(key);
  });
});
