/** The confirmation before apply and sync write anything. */
import type { Plan } from '@wif/core';
import { canAsk, cannotAskMessage, confirm } from '../confirm';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Runtime } from '../runtime';
import { planWrites, printPlan } from './plan';

/** Refuses with exit 2, before any request, when there is no terminal to ask on and no `--yes`. */
export function needsYes(rt: Runtime, yes: boolean, verb: string): ExitCode | undefined {
  if (yes || canAsk(rt.io)) return undefined;
  return rt.fail({
    kind: 'Usage',
    message: cannotAskMessage(rt.io, `${verb} changes Entra, Azure and Azure DevOps`),
  });
}

/**
 * Shows the plan — refusals always included — and, unless `yes`, asks whenever anything would be
 * written (nothing to write: no question). Returns the exit code to stop with, or `undefined` to go on.
 */
export async function confirmPlan(
  rt: Runtime,
  yes: boolean,
  p: Plan,
  verb: string,
  options: { readonly prune?: boolean } = {},
): Promise<ExitCode | undefined> {
  printPlan(rt.printer, p);
  if (yes || !planWrites(p, options)) return undefined;
  const refused = p.summary.refused > 0 ? ` (${p.summary.refused} refused connection(s) get no write)` : '';
  if ((await confirm(rt.io, `${verb[0]!.toUpperCase()}${verb.slice(1)} these changes to ${p.organization}${refused}?`)) === 'yes')
    return undefined;
  rt.printer.note('Nothing changed.');
  return EXIT.failure;
}
