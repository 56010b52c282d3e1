/** What most commands start with: the spec, its organization, and the clients. */
import type { ResolvedSpec, WifClients } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import { listOption, type OptionValues, stringOption } from '../args';
import type { PrintableError } from '../output';
import type { ClientUse, Runtime } from '../runtime';

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

/** What `audit` and `migrate` start with: `--config` is optional (it only names the organization and tenant). */
export interface PreparedOptional {
  readonly spec: ResolvedSpec | undefined;
  readonly organization: string;
  readonly clients: WifClients;
}

/** Loads `--config` when given, resolves the organization (spec, `--org` or the environment) and makes the clients. */
export async function prepareOptional(
  rt: Runtime,
  options: OptionValues,
  use?: ClientUse,
  /** Checks the command's own input with the spec loaded, before the clients send anything (the access check included). */
  check?: (spec: ResolvedSpec | undefined) => Promise<Result<unknown, PrintableError>>,
): Promise<Result<PreparedOptional, PrintableError>> {
  // A discovered spec (./wif.yaml, WIF_CONFIG) names the organization only when --org does not.
  const configPath = stringOption(options, 'config') ?? (rt.global.org ? undefined : rt.configPath(undefined));
  const loaded = configPath ? await rt.loadSpec(configPath) : undefined;
  if (loaded?.isErr()) return err(loaded.error);
  const spec = loaded?.isOk() ? loaded.value : undefined;
  const org = rt.organization(spec);
  if (org.isErr()) return err(org.error);
  const checked = check ? await check(spec) : ok(undefined);
  if (checked.isErr()) return err(checked.error);
  const clients = await rt.clients(org.value, use);
  return clients.isErr() ? err(clients.error) : ok({ spec, organization: org.value, clients: clients.value });
}
