/** What most commands start with: the spec, its organization, and the clients. */
import type { ResolvedSpec, WifClients } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import { listOption, type OptionValues, stringOption } from '../args';
import type { PrintableError } from '../output';
import type { Runtime } from '../runtime';

export interface Prepared {
  readonly spec: ResolvedSpec;
  readonly clients: WifClients;
}

/** Loads `--config`, keeps only the `--connection` names when given, and makes the clients. */
export async function prepare(rt: Runtime, options: OptionValues): Promise<Result<Prepared, PrintableError>> {
  const loaded = await rt.loadSpec(stringOption(options, 'config'));
  if (loaded.isErr()) return err(loaded.error);
  let spec = loaded.value;
  const only = listOption(options, 'connection').map((n) => n.toLowerCase());
  if (only.length > 0) {
    const unknown = only.filter((n) => !spec.connections.some((c) => c.name.toLowerCase() === n));
    if (unknown.length > 0) return err({ kind: 'Usage', message: `The spec has no connection named ${unknown.join(', ')}.` });
    spec = { ...spec, connections: spec.connections.filter((c) => only.includes(c.name.toLowerCase())) };
  }
  const org = rt.organization(spec);
  if (org.isErr()) return err(org.error);
  const clients = await rt.clients(org.value);
  return clients.isErr() ? err(clients.error) : ok({ spec, clients: clients.value });
}
