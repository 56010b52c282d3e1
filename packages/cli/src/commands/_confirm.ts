/** The confirmation before apply and sync write anything. */
import type { Plan, ResolvedSpec, WifClients } from '@wif/core';
import { canAsk, confirm } from '../confirm';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Runtime } from '../runtime';
import { planHasChanges, printPlan } from './plan';

/**
 * With `--yes`, goes ahead. Otherwise, on a terminal, shows the plan and asks (nothing to change:
 * no question); without a terminal, refuses with exit 2 before any request. Returns the exit code
 * to stop with, or `undefined` to go on.
 */
export async function confirmChanges(
  rt: Runtime,
  yes: boolean,
  clients: WifClients,
  spec: ResolvedSpec,
  verb: string,
  /** The plan already made (apply makes one for its preflight); planned here when absent. */
  made?: Plan,
): Promise<ExitCode | undefined> {
  if (yes) return undefined;
  if (!canAsk(rt.io)) {
    return rt.fail({
      kind: 'Usage',
      message: `${verb} changes Entra, Azure and Azure DevOps: without a terminal to confirm on, pass --yes.`,
    });
  }
  const planned =
    made ??
    (await rt.core.plan(clients, spec, rt.abortSignal ? { abortSignal: rt.abortSignal } : {})).match(
      (p) => p,
      (e) => e,
    );
  if (!('summary' in planned)) return rt.fail(planned);
  if (!planHasChanges(planned)) return undefined;
  printPlan(rt.printer, planned);
  if ((await confirm(rt.io, `${verb[0]!.toUpperCase()}${verb.slice(1)} these changes to ${spec.organization}?`)) === 'yes')
    return undefined;
  rt.printer.note('Nothing changed.');
  return EXIT.failure;
}
