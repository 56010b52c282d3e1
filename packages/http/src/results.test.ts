import { err, errAsync, ok, okAsync, type Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { settled } from './results';

describe('settled', () => {
  it('hands the callback the settled Result, Ok or Err, and returns what it returns', async () => {
    const seen: unknown[] = [];
    const fromOk = await settled(okAsync(1), (r) => {
      seen.push(r.isOk() ? { ok: r.value } : { err: r.error });
      return r.isOk() ? ok(r.value + 1) : err('never');
    });
    const fromErr = await settled(errAsync('boom'), (r) => {
      seen.push(r.isOk() ? { ok: r.value } : { err: r.error });
      return r.isOk() ? ok(0) : err(`${r.error}!`);
    });
    expect(seen).toEqual([{ ok: 1 }, { err: 'boom' }]);
    expect(fromOk._unsafeUnwrap()).toBe(2);
    expect(fromErr._unsafeUnwrapErr()).toBe('boom!');
  });

  it('adopts a ResultAsync the callback returns, as orElse does', async () => {
    const recover = <T>(r: Result<T, { kind: string }>) =>
      r.isOk() ? okAsync<T | undefined, { kind: string }>(r.value) : r.error.kind === 'NotFound' ? okAsync(undefined) : errAsync(r.error);
    const cases = [
      okAsync<number, { kind: string }>(7),
      errAsync<number, { kind: string }>({ kind: 'NotFound' }),
      errAsync<number, { kind: string }>({ kind: 'Forbidden' }),
    ];
    for (const c of cases) {
      const viaOrElse = await c.orElse((e) => (e.kind === 'NotFound' ? okAsync(undefined) : errAsync(e)));
      expect(await settled(c, recover)).toEqual(viaOrElse);
    }
    expect((await settled(cases[2]!, recover))._unsafeUnwrapErr()).toEqual({ kind: 'Forbidden' });
  });
});
