/**
 * Vends one service connection end to end with the five steps of @wif/core:
 * register → grant → connect → bind → verify.
 *
 * Against Azure (after `az login`, as someone who may create app registrations, assign roles at the
 * scope and administer service connections in the project):
 *
 *   WIF_ORG=contoso WIF_TENANT_ID=… WIF_PROJECT=platform WIF_SUBSCRIPTION_ID=… \
 *   WIF_RESOURCE_GROUP=rg-platform-prod WIF_CONNECTION=sc-platform-prod pnpm exec tsx examples/vend-one.ts
 *
 * With WIF_EXAMPLE_FAKE=1 it runs against the in-memory fake of @wif/testing instead (CI does this).
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  bindFederatedCredential,
  createClients,
  createManualConnection,
  grantRole,
  registerApp,
  verifySubject,
  type TrustChainReport,
  type WifClients,
  type WifError,
} from '@wif/core';
import { ok, type ResultAsync, safeTry } from 'neverthrow';

export interface VendOneParams {
  readonly tenantId: string;
  readonly project: string;
  readonly connectionName: string;
  readonly subscriptionId: string;
  readonly subscriptionName: string;
  readonly resourceGroup: string;
  readonly role: string;
}

/** The runbook itself: each step is safe to re-run, so a failed run is simply run again. */
export function vendOne(clients: WifClients, p: VendOneParams, log: (line: string) => void): ResultAsync<TrustChainReport, WifError> {
  return safeTry(async function* () {
    const app = yield* registerApp({ graph: clients.graph }, { displayName: `ado-${p.connectionName}` });
    log(`app            ${app.outcome.padEnd(9)} appId=${app.value.appId}`);

    const scope = `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}`;
    const role = yield* grantRole({ arm: clients.arm }, { scope, role: p.role, principalId: app.value.servicePrincipalObjectId });
    log(`role           ${role.outcome.padEnd(9)} ${role.value.roleName} @ ${role.value.scope}`);

    const sc = yield* createManualConnection(
      { devops: clients.devops },
      {
        project: p.project,
        name: p.connectionName,
        tenantId: p.tenantId,
        appId: app.value.appId,
        target: { level: 'subscription', subscriptionId: p.subscriptionId, subscriptionName: p.subscriptionName },
      },
    );
    log(`connection     ${sc.outcome.padEnd(9)} ${sc.value.name} (${sc.value.issuerFormat} issuer)`);

    const fic = yield* bindFederatedCredential(
      { graph: clients.graph },
      { appObjectId: app.value.applicationObjectId, issuer: sc.value.issuer, subject: sc.value.subject, connectionId: sc.value.id },
    );
    log(`credential     ${fic.outcome.padEnd(9)} ${fic.value.name}`);

    const report = yield* verifySubject(
      { graph: clients.graph, devops: clients.devops },
      { project: sc.value.projectId, connectionId: sc.value.id, appObjectId: app.value.applicationObjectId },
    );
    log(`verified       subject ${report.subject}`);
    for (const w of report.warnings) log(`warning        ${w}`);
    return ok(report);
  });
}

async function main(): Promise<number> {
  const env = process.env;
  let credential: TokenCredential;
  let endpoints = {};
  let close = (): void => undefined;
  let params: VendOneParams;
  if (env['WIF_EXAMPLE_FAKE'] === '1') {
    const { createFake, createTestCredential, TEST_TENANT_ID } = await import('@wif/testing');
    const { setupServer } = await import('msw/node');
    const fake = createFake();
    fake.state.addProject('platform');
    const server = setupServer(...fake.handlers);
    server.listen({ onUnhandledFrame: 'error' });
    close = () => server.close();
    credential = createTestCredential();
    params = {
      tenantId: TEST_TENANT_ID,
      project: 'platform',
      connectionName: 'sc-platform-prod',
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      subscriptionName: 'Platform Prod',
      resourceGroup: 'rg-platform-prod',
      role: 'Contributor',
    };
  } else {
    const { DefaultAzureCredential } = await import('@azure/identity');
    credential = new DefaultAzureCredential();
    const need = (k: string): string => {
      const v = env[k];
      if (!v) throw new Error(`Set ${k}.`);
      return v;
    };
    params = {
      tenantId: need('WIF_TENANT_ID'),
      project: need('WIF_PROJECT'),
      connectionName: need('WIF_CONNECTION'),
      subscriptionId: need('WIF_SUBSCRIPTION_ID'),
      subscriptionName: env['WIF_SUBSCRIPTION_NAME'] ?? need('WIF_SUBSCRIPTION_ID'),
      resourceGroup: need('WIF_RESOURCE_GROUP'),
      role: env['WIF_ROLE'] ?? 'Contributor',
    };
    endpoints = {};
  }
  const clients = createClients({ credential, organization: env['WIF_ORG'] ?? 'contoso', endpoints });
  const result = await vendOne(clients, params, (line) => console.log(line));
  close();
  if (result.isErr()) {
    console.error(`failed: ${result.error.kind}: ${result.error.message}`);
    return 1;
  }
  console.log('trust chain verified');
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void main().then((code) => process.exit(code));
}
