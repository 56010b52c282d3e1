import { describe, expect, it, vi } from 'vitest';
import { newRequestId } from './requestId';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  it('is a version 4, variant 10 UUID in lower case', () => {
    for (let i = 0; i < 1000; i++) expect(newRequestId()).toMatch(V4);
  });

  it('keeps the version and variant bits whatever the random words are', () => {
    for (const r of [0, 0.999_999_999_9]) {
      const spy = vi.spyOn(Math, 'random').mockReturnValue(r);
      try {
        expect(newRequestId()).toMatch(V4);
      } finally {
        spy.mockRestore();
      }
    }
    const spy = vi.spyOn(Math, 'random').mockReturnValue(0);
    try {
      expect(newRequestId()).toBe('00000000-0000-4000-8000-000000000000');
    } finally {
      spy.mockRestore();
    }
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newRequestId()));
    expect(ids.size).toBe(10_000);
  });
});
