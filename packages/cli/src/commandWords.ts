/**
 * The names of wif's commands, in the order `wif --help` lists them (args.ts describes each, and its
 * table must have exactly these). Apart from the table so that bin.ts can tell which command runs,
 * to pick its code cache (codeCache.ts), without loading the table first.
 */
export const COMMAND_WORDS = [
  'plan',
  'whoami',
  'apply',
  'verify',
  'sync',
  'audit',
  'adopt',
  'migrate',
  'diagnose',
  'pipeline',
  'completion',
  'emulator',
] as const;

export type CommandWord = (typeof COMMAND_WORDS)[number];

/** The first word of `args` that names a command (`wif --org contoso audit` → `audit`), if any. */
export const commandWord = (args: readonly string[]): CommandWord | undefined =>
  args.find((a): a is CommandWord => (COMMAND_WORDS as readonly string[]).includes(a));
