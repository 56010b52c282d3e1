import { describe, expect, it } from 'vitest';
import { type AuditCode, type AuditFinding, type Severity } from './findings';
import { finding } from './inspectConnection';
import { formatAuditTable, summarizeAudit, type FailOn } from './format';

const connection = (name: string, projects: string[]) => ({
  id: `id-${name}`,
  name,
  type: 'azurerm',
  scheme: 'ServicePrincipal',
  creationMode: 'Manual',
  appId: null,
  tenantId: null,
  issuer: null,
  projects: projects.map((p) => ({ id: `id-${p}`, name: p })),
});
const make = (code: AuditCode, severity: Severity, name = 'sc'): AuditFinding =>
  finding('contoso', code, severity, `${name} has ${code}.`, { connection: connection(name, ['web', 'api']) });

describe('summarizeAudit', () => {
  const findings = [
    make('SharedAcrossProjects', 'low'),
    make('AutomaticMode', 'medium'),
    make('NotReady', 'high'),
    make('NotReady', 'high', 'sc2'),
  ];

  it.each<[FailOn, boolean]>([
    ['info', true],
    ['low', true],
    ['medium', true],
    ['high', true],
    ['critical', false],
    ['never', false],
  ])('with failOn %s fails: %s', (failOn, failed) => {
    const s = summarizeAudit(findings, { failOn });
    expect(s.failed).toBe(failed);
    expect(s.exitCode).toBe(failed ? 1 : 0);
  });

  it('counts by severity and code, names the worst, and fails on high by default', () => {
    expect(summarizeAudit(findings)).toEqual({
      total: 4,
      bySeverity: { info: 0, low: 1, medium: 1, high: 2, critical: 0 },
      byCode: { SharedAcrossProjects: 1, AutomaticMode: 1, NotReady: 2 },
      worst: 'high',
      failOn: 'high',
      failed: true,
      exitCode: 1,
    });
    expect(summarizeAudit([make('AutomaticMode', 'medium')])).toMatchObject({ failed: false, exitCode: 0 });
    expect(summarizeAudit([])).toMatchObject({ total: 0, worst: null, failed: false });
  });
});

describe('formatAuditTable', () => {
  it('sorts the most severe first, aligns columns, and lists each fix once', () => {
    const text = formatAuditTable([
      make('SharedAcrossProjects', 'low', 'sc-b'),
      make('SecretBased', 'critical', 'sc-a'),
      make('SharedAcrossProjects', 'low', 'sc-a'),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY {2}FINDING +CONNECTION +PROJECTS +MESSAGE$/);
    expect(lines[1]).toMatch(/^critical +SecretBased +sc-a +web, api +sc-a has SecretBased\.$/);
    expect(lines[2]).toMatch(/^low +SharedAcrossProjects +sc-a /);
    expect(lines[3]).toMatch(/^low +SharedAcrossProjects +sc-b /);
    // Columns line up: every row starts its FINDING cell where the header does.
    const at = lines[0]!.indexOf('FINDING');
    for (const l of lines.slice(1, 4)) expect(l.slice(at)).toMatch(/^[A-Z]/);
    expect(text.match(/ {2}SharedAcrossProjects: /g)).toHaveLength(1);
    expect(text).toContain('  SecretBased: Move it to workload identity federation');
    expect(text.trimEnd().split('\n').at(-1)).toBe('3 findings: 1 critical, 2 low.');
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('clips long names and says when there is nothing', () => {
    const long = 'x'.repeat(60);
    expect(formatAuditTable([make('NotReady', 'high', long)])).toContain(`${'x'.repeat(39)}…`);
    expect(formatAuditTable([])).toBe('No findings.\n');
  });
});
