import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, intOption, listOption, parseCommandLine } from './args';
import { COMMAND_WORDS, commandWord } from './commandWords';

const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(argv, env);

describe('the command words bin.ts reads before the table loads', () => {
  it('are the table’s commands, in its order', () => {
    expect(COMMAND_NAMES).toEqual([...COMMAND_WORDS]);
  });

  it('name the command wherever the global options are, and nothing else', () => {
    expect(commandWord(['--emulator', 'http://127.0.0.1:4010', 'plan', '-c', 'wif.yaml'])).toBe('plan');
    expect(commandWord(['--org', 'contoso', 'audit'])).toBe('audit');
    expect(commandWord(['-c', 'plan.yaml', 'apply'])).toBe('apply');
    expect(commandWord(['--version'])).toBeUndefined();
    expect(commandWord(['pla'])).toBeUndefined();
  });
});

describe('parseCommandLine', () => {
  it('finds the command wherever the global options are, and reads both kinds of options', () => {
    const inv = parse(['--json', '--org', 'contoso', 'plan', '-c', 'wif.yaml', '--exit-code', '-v'])._unsafeUnwrap();
    expect(inv.command).toBe('plan');
    if (inv.command !== 'plan') throw new Error('unreachable');
    expect(inv.global).toMatchObject({ json: true, verbose: true, org: 'contoso', devopsAuth: 'auto' });
    expect(inv.options['config']).toBe('wif.yaml');
    expect(inv.options['exit-code']).toBe(true);
  });

  it('takes the emulator and organization from the environment, the flag winning', () => {
    const env = { WIF_EMULATOR_URL: 'http://127.0.0.1:4010/', WIF_ORG: 'fabrikam' };
    expect(parse(['audit'], env)._unsafeUnwrap().global).toMatchObject({ emulator: 'http://127.0.0.1:4010', org: 'fabrikam' });
    expect(parse(['audit', '--emulator', 'http://127.0.0.1:9'], env)._unsafeUnwrap().global.emulator).toBe('http://127.0.0.1:9');
  });

  it('reads --no-color as colour off and leaves colour undecided otherwise', () => {
    expect(parse(['audit', '--no-color'])._unsafeUnwrap().global.color).toBe(false);
    expect(parse(['audit', '--color'])._unsafeUnwrap().global.color).toBe(true);
    expect('color' in parse(['audit'])._unsafeUnwrap().global).toBe(false);
  });

  it('refuses an option the command does not take, naming the command for help', () => {
    const e = parse(['plan', '--yes'])._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Usage', command: 'plan' });
    expect(e.message).toContain("'--yes'");
  });

  it('refuses unknown commands, a missing option value and a bad --devops-auth', () => {
    expect(parse(['deploy'])._unsafeUnwrapErr().message).toMatch(/Unknown command "deploy"/);
    expect(parse(['emulator', '--port'])._unsafeUnwrapErr().message).toMatch(/argument missing/);
    expect(parse(['audit', '--devops-auth', 'basic'])._unsafeUnwrapErr().message).toMatch(/auto, entra or pat/);
    expect(parse(['audit', '--emulator', 'localhost:4010'])._unsafeUnwrapErr().message).toMatch(/must be a URL/);
  });

  it('needs exactly one migrate action and joins diagnose text', () => {
    expect(parse(['migrate'])._unsafeUnwrapErr().message).toMatch(/start, status, finish, rollback/);
    expect(parse(['migrate', 'begin'])._unsafeUnwrapErr().message).toMatch(/not "begin"/);
    expect(parse(['migrate', 'status', 'extra'])._unsafeUnwrapErr().message).toMatch(/Unexpected argument "extra"/);
    expect(parse(['migrate', 'finish', '--force', '--yes'])._unsafeUnwrap()).toMatchObject({ command: 'migrate', action: 'finish' });
    expect(parse(['diagnose', 'AADSTS700213:', 'no', 'match'])._unsafeUnwrap()).toMatchObject({
      command: 'diagnose',
      text: 'AADSTS700213: no match',
    });
    expect(parse(['diagnose'])._unsafeUnwrapErr().message).toMatch(/error text/);
  });

  it('answers help and version before anything else', () => {
    expect(parse([])._unsafeUnwrap().command).toBe('help');
    expect(parse(['help', 'apply'])._unsafeUnwrap()).toMatchObject({ command: 'help', topic: 'apply' });
    expect(parse(['apply', '--help'])._unsafeUnwrap()).toMatchObject({ command: 'help', topic: 'apply' });
    expect(parse(['plan', '--version'])._unsafeUnwrap().command).toBe('version');
    expect(parse(['help', 'nope'])._unsafeUnwrapErr().kind).toBe('Usage');
  });

  it('collects repeatable options', () => {
    const inv = parse(['verify', '--connection', 'a', '--connection', 'b'])._unsafeUnwrap();
    if (inv.command !== 'verify') throw new Error('unreachable');
    expect(listOption(inv.options, 'connection')).toEqual(['a', 'b']);
  });
});

describe('intOption', () => {
  it('accepts whole numbers within bounds only', () => {
    expect(intOption({ port: '0' }, 'port', { min: 0, max: 65_535 }, 'emulator')._unsafeUnwrap()).toBe(0);
    expect(intOption({}, 'port', { min: 0, max: 65_535 }, 'emulator')._unsafeUnwrap()).toBeUndefined();
    for (const bad of ['-1', '70000', '1.5', 'abc', '']) {
      expect(intOption({ port: bad }, 'port', { min: 0, max: 65_535 }, 'emulator').isErr()).toBe(true);
    }
  });
});
