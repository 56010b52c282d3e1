import { types } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { built, deferred, isBuilt } from './deferred';

describe('deferred', () => {
  it('says whether the object was built: not by being handed around, yes once something reads it', () => {
    const value = deferred(() => ({ a: 1 }));
    const list = [value, value];
    expect(isBuilt(list[0]!)).toBe(false);
    expect(list[1]!.a).toBe(1);
    expect(isBuilt(value)).toBe(true);
    expect(isBuilt({ a: 1 })).toBe(true);
  });

  it('builds nothing until the object is used, then builds it once', () => {
    let builds = 0;
    const value = deferred(() => {
      builds++;
      return { a: 1, f() {}, nested: { b: 2 } };
    });
    expect(builds).toBe(0);
    expect(value.a).toBe(1);
    expect(value.nested.b).toBe(2);
    expect('f' in value).toBe(true);
    expect(Object.keys(value)).toEqual(['a', 'f', 'nested']);
    expect(builds).toBe(1);
  });

  it('forwards writes, deletes and the prototype to the built object', () => {
    class Thing {
      x = 1;
    }
    const built = new Thing();
    const value = deferred(() => built);
    expect(value).toBeInstanceOf(Thing);
    value.x = 5;
    expect(built.x).toBe(5);
    expect(delete (value as { x?: number }).x).toBe(true);
    expect('x' in built).toBe(false);
    expect(types.isProxy(value)).toBe(true);
  });

  it('gives the built object itself to whoever asks with built(), and any other value as it is', () => {
    let builds = 0;
    const real = { a: 1 };
    const value = deferred(() => {
      builds++;
      return real;
    });
    expect(built(value)).toBe(real);
    expect(types.isProxy(built(value))).toBe(false);
    expect(built(value)).toBe(real);
    expect(builds).toBe(1);
    const plain = { b: 2 };
    expect(built(plain)).toBe(plain);
    expect(built(undefined)).toBeUndefined();
  });

  describe('a zod schema built on first use', () => {
    const build = () => z.object({ id: z.string(), tags: z.array(z.string()).optional() });
    const direct = build();
    const late = deferred(build);

    it('accepts and refuses what the schema built at once does, with the same issues', () => {
      for (const input of [{ id: 'a' }, { id: 'a', tags: ['x'] }, { id: 1 }, { tags: 'x' }, null]) {
        const a = direct.safeParse(input);
        const b = late.safeParse(input);
        expect(b.success).toBe(a.success);
        expect(b.data).toEqual(a.data);
        expect(b.error?.issues).toEqual(a.error?.issues);
      }
    });

    it('is a zod object with its shape and methods, also inside other schemas', () => {
      expect(late).toBeInstanceOf(z.ZodObject);
      expect(Object.keys(late.shape)).toEqual(['id', 'tags']);
      expect(late.extend({ n: z.number() }).parse({ id: 'a', n: 1 })).toEqual({ id: 'a', n: 1 });
      expect(late.optional().parse(undefined)).toBeUndefined();
      const page = z.object({ value: z.array(late) });
      expect(page.parse({ value: [{ id: 'a' }] })).toEqual({ value: [{ id: 'a' }] });
      expect(page.safeParse({ value: [{ id: 2 }] }).error?.issues[0]?.path).toEqual(['value', 0, 'id']);
      expect(z.toJSONSchema(late)).toEqual(z.toJSONSchema(direct));
    });

    it('is held by a list schema as itself when the list is built with built()', () => {
      const page = z.object({ value: z.array(built(late)) });
      expect(types.isProxy(page.shape.value.element)).toBe(false);
      expect(page.shape.value.element).toBe(built(late));
    });
  });
});
