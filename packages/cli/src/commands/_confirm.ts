/** The confirmation before apply and sync write anything. */
import type { ResolvedSpec, WifClients } from '@wif/core';
import { canAsk, cannotAskMessage, confirm } from '../confirm';
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
): Promise<ExitCode | undefined> {
  if (yes) return undefined;
  if (!canAsk(rt.io)) {
    return rt.fail({
      kind: 'Usage',
      message: cannotAskMessage(rt.io, `${verb} changes Entra, Azure and Azure DevOps`),
    });
  }
  const planned = await rt.core.plan(clients, spec, rt.abortSignal ? { abortSignal: rt.abortSignal } : {});
  if (planned.isErr()) return rt.fail(planned.error);
  if (!planHasChanges(planned.value)) return undefined;
  printPlan(rt.printer, planned.value);
  if ((await confirm(rt.io, `${verb[0]!.toUpperCase()}${verb.slice(1)} these changes to ${spec.organization}?`)) === 'yes')
    return undefined;
  rt.printer.note('Nothing changed.');
  return EXIT.failure;
}
