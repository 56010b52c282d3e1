import { describe, expect, it } from 'vitest';
import { wantsAuditChild } from './auditHeap';

describe('wantsAuditChild', () => {
  it('runs `wif audit …` in a child, and nothing else', () => {
    expect(wantsAuditChild(['audit', '--output', 'ndjson'], [], {})).toBe(true);
    expect(wantsAuditChild(['--json', 'audit'], [], {})).toBe(true);
    expect(wantsAuditChild(['apply', '-c', 'audit'], [], {})).toBe(false);
    expect(wantsAuditChild(['--version'], [], {})).toBe(false);
    expect(wantsAuditChild([], [], {})).toBe(false);
  });

  it('never starts a second child, and leaves a young generation the user sized alone', () => {
    expect(wantsAuditChild(['audit'], [], { WIF_AUDIT_CHILD: '1' })).toBe(false);
    expect(wantsAuditChild(['audit'], ['--max-semi-space-size=16'], {})).toBe(false);
    expect(wantsAuditChild(['audit'], [], { NODE_OPTIONS: '--max-semi-space-size=2' })).toBe(false);
    expect(wantsAuditChild(['audit'], ['--max-old-space-size=512'], {})).toBe(true);
  });
});
