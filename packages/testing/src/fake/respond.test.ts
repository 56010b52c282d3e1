import { describe, expect, it } from 'vitest';
import { json, knownBodyText } from './_respond';

describe('knownBodyText', () => {
  it("gives the text of the fake's JSON answers, exactly as their body reads", async () => {
    const answer = json({ value: [{ displayName: 'Zürich' }] }, 201);
    const known = knownBodyText(answer);
    expect(known).toBe('{"value":[{"displayName":"Zürich"}]}');
    expect(await answer.text()).toBe(known);
  });

  it('gives nothing for a response the fake did not make from text, nor for one whose body was read', async () => {
    expect(knownBodyText(new Response('{"a":1}'))).toBeUndefined();
    const answer = json({ a: 1 });
    await answer.text();
    expect(knownBodyText(answer)).toBeUndefined();
  });
});
