/** Where the migration journal is, for `migrate` and `diagnose`. */
import { resolve } from 'node:path';
import { type Invocation, stringOption } from '../args';
import type { Runtime } from '../runtime';

/** The journal file: `--journal`, `WIF_JOURNAL`, or `wif-migrations.json` in the working directory. */
export function journalPath(rt: Pick<Runtime, 'io'>, options: Extract<Invocation, { options: unknown }>['options']): string {
  return resolve(rt.io.cwd, stringOption(options, 'journal') ?? (rt.io.env['WIF_JOURNAL'] || 'wif-migrations.json'));
}
