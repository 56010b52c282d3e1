import { redact } from '@wif/core';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../test/memoryIo';
import { colorsFor } from './output';
import { createProgress, progressMode } from './progress';

const plainColors = colorsFor(memoryIo(), { color: false });

describe('progressMode', () => {
  it('is live on a terminal, plain in CI or without a terminal, silent with --json', () => {
    expect(progressMode(memoryIo({ tty: true }), { json: false })).toBe('live');
    expect(progressMode(memoryIo({ tty: true, env: { TF_BUILD: 'True' } }), { json: false })).toBe('plain');
    expect(progressMode(memoryIo({ tty: true, env: { CI: 'true' } }), { json: false })).toBe('plain');
    // TERM=dumb cannot move the cursor: no live redraws (and no colours: see colorsFor).
    expect(progressMode(memoryIo({ tty: true, env: { TERM: 'dumb' } }), { json: false })).toBe('plain');
    expect(progressMode(memoryIo({ tty: false }), { json: false })).toBe('plain');
    expect(progressMode(memoryIo({ tty: true }), { json: true })).toBe('silent');
  });
});

describe('createProgress', () => {
  it('writes timestamped lines in plain mode, with the time each unit took', () => {
    const io = memoryIo();
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const p = createProgress(io, 'plain', plainColors, redact, { now: () => now });
    p.start('platform/sc-a', 'platform/sc-a');
    now += 1_500;
    p.finish('platform/sc-a', false, 'rolled-back: Forbidden');
    p.stop();
    expect(io.err().split('\n')).toEqual([
      '2026-03-01T10:00:00Z platform/sc-a: started',
      '2026-03-01T10:00:01Z platform/sc-a: FAILED: rolled-back: Forbidden (1.5s)',
      '',
    ]);
    expect(io.out()).toBe('');
  });

  it('redraws one line per unit in place on a terminal', () => {
    const io = memoryIo({ tty: true });
    const p = createProgress(io, 'live', plainColors, redact, { now: () => 0, intervalInMs: 60_000 });
    p.start('a', 'sc-a');
    p.start('b', 'sc-b');
    p.finish('a', true, 'created');
    p.stop();
    const frames = io.err();
    // Each redraw moves up over the lines drawn before and clears each line it rewrites.
    expect(frames).toContain('\u001b[1A');
    expect(frames).toContain('\u001b[2A');
    const last = frames.slice(frames.lastIndexOf('\u001b[2A'));
    expect(last).toContain('✓ sc-a  created');
    expect(last).toMatch(/sc-b {2}working 0\.0s/);
  });

  it('writes nothing when silent, and redacts what it writes otherwise', () => {
    const silent = memoryIo();
    const s = createProgress(silent, 'silent', plainColors, redact);
    s.start('a', 'a');
    s.finish('a', true, 'done');
    expect(silent.err()).toBe('');
    const io = memoryIo();
    const p = createProgress(io, 'plain', plainColors, redact);
    p.start('a', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln');
    expect(io.err()).not.toContain('eyJ');
  });

  it.each(['plain', 'live'] as const)(
    'in %s mode, a label or text from the spec or a service cannot start a logging command or move the cursor',
    (mode) => {
      const io = memoryIo({ tty: mode === 'live' });
      const p = createProgress(io, mode, plainColors, redact, { now: () => 0, intervalInMs: 60_000 });
      p.start('k', 'platform/##vso[task.setvariable variable=x]y\u001b[2J');
      p.finish('k', false, '##[error]forged\u001b]0;title\u0007');
      p.stop();
      expect(io.err()).not.toMatch(/##vso\[|##\[/i);
      expect(io.err()).not.toContain('\u001b[2J');
      expect(io.err()).not.toContain('\u001b]0;');
      expect(io.err()).toContain('**vso[task.setvariable variable=x]y');
    },
  );
});
