/**
 * The demo organization the emulator starts with (docs/emulator.md): organization `contoso`,
 * projects `platform` and `shared`, the operator as Owner of the subscription, and the kind of
 * connections an audit should flag — two secret-based ones and one on the legacy issuer.
 */
import { BUILT_IN_ROLES, type Fake, TEST_CALLER_OBJECT_ID } from '@wif/testing';

/** One seeded service connection. */
export interface DemoConnection {
  /** The connection name. */
  readonly name: string;
  /** The project it is in. */
  readonly project: string;
  /** Secret-based (made by hand), secret-based in automatic mode, or federated on the legacy issuer. */
  readonly kind: 'secret' | 'secret-automatic' | 'legacy-issuer';
  /** The connection id. */
  readonly id: string;
  /** The app (client) id it names. */
  readonly appId: string;
}

/** What {@link seedDemo} made. */
export interface DemoSeed {
  /** The subscription the seeded role assignments are in (also what `examples/env-set.yaml` targets). */
  readonly subscriptionId: string;
  /** Project names. */
  readonly projects: readonly string[];
  /** The seeded connections, the ones an audit flags. */
  readonly connections: readonly DemoConnection[];
}

const roleId = (name: string): string => BUILT_IN_ROLES.find((r) => r.roleName === name)?.id ?? name;

/**
 * Seeds `fake` with the demo organization and says what it made (no request: it writes the state
 * directly). Use it on your own `createFake()` to test against the same organization as the emulator.
 * Throws `TypeError` when the fake already holds one of the projects (a programmer error).
 *
 * @example
 * const fake = createFake();
 * const demo = seedDemo(fake); // demo.connections[0].name === 'sc-shared-deploy'
 */
export function seedDemo(fake: Fake): DemoSeed {
  const s = fake.state;
  const sub = `/subscriptions/${s.subscriptionId}`;
  const projects = ['platform', 'shared'];
  for (const p of projects) s.addProject(p, { description: `${p} (wif emulator demo)` });

  // The operator running wif: Owner of the subscription, as a platform team's identity would be.
  s.addPrincipal(TEST_CALLER_OBJECT_ID, 'User');
  s.addRoleAssignment({
    scope: sub,
    roleDefinitionId: roleId('Owner'),
    principalId: TEST_CALLER_OBJECT_ID,
    principalType: 'User',
    description: 'platform operator',
  });

  const connections: DemoConnection[] = [];
  const appFor = (displayName: string): { id: string; appId: string; spId: string } => {
    const app = s.addApplication({ displayName });
    const sp = s.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    return { id: app.id, appId: app.appId, spId: sp.id };
  };

  // The client secret a secret-based connection stores: its app lists it (metadata only, as Graph
  // does; the emulator keeps no secret text for it). A connection converted in place keeps it, which
  // the audit then reports (AppHasSecret).
  const withSecret = (appObjectId: string, keyId: string): void => {
    const app = s.application(appObjectId)!;
    const secret = {
      customKeyIdentifier: null,
      displayName: 'Azure DevOps service connection',
      endDateTime: '2028-12-31T00:00:00Z',
      hint: 'dmo',
      keyId,
      startDateTime: '2026-01-01T00:00:00Z',
      secretText: null,
    };
    app.properties = { ...app.properties, passwordCredentials: [secret] };
  };

  // A secret-based connection made by hand: Contributor on the whole subscription.
  const shared = appFor('contoso-shared-deploy');
  withSecret(shared.id, '5e0c8a3d-1b2f-4c6d-9e8a-000000000001');
  s.addRoleAssignment({ scope: sub, roleDefinitionId: roleId('Contributor'), principalId: shared.spId, description: 'shared deployments' });
  const sharedSc = s.addServiceEndpoint({
    name: 'sc-shared-deploy',
    projects: ['shared'],
    scheme: 'ServicePrincipal',
    servicePrincipalId: shared.appId,
    description: 'Deploys shared infrastructure',
  });
  connections.push({ name: sharedSc.name, project: 'shared', kind: 'secret', id: sharedSc.id, appId: shared.appId });

  // A secret-based connection Azure DevOps created (automatic mode), scoped to a resource group.
  const auto = appFor('contoso-platform-automatic');
  withSecret(auto.id, '5e0c8a3d-1b2f-4c6d-9e8a-000000000002');
  s.addRoleAssignment({
    scope: `${sub}/resourceGroups/rg-platform-legacy`,
    roleDefinitionId: roleId('Contributor'),
    principalId: auto.spId,
  });
  const autoSc = s.addServiceEndpoint({
    name: 'sc-platform-automatic',
    projects: ['platform'],
    scheme: 'ServicePrincipal',
    creationMode: 'Automatic',
    servicePrincipalId: auto.appId,
  });
  connections.push({ name: autoSc.name, project: 'platform', kind: 'secret-automatic', id: autoSc.id, appId: auto.appId });

  // Workload identity federation, but still on the legacy Azure DevOps issuer (retired 2027).
  const legacy = appFor('contoso-platform-legacy');
  s.addRoleAssignment({ scope: `${sub}/resourceGroups/rg-platform-legacy`, roleDefinitionId: roleId('Reader'), principalId: legacy.spId });
  const legacySc = s.addServiceEndpoint({
    name: 'sc-platform-legacy',
    projects: ['platform'],
    federation: 'legacy',
    servicePrincipalId: legacy.appId,
  });
  const fed = s.federation(legacySc.id);
  if (fed) s.addFederatedCredential(legacy.id, { name: `ado-sc-${legacySc.id}`, issuer: fed.issuer, subject: fed.subject });
  connections.push({ name: legacySc.name, project: 'platform', kind: 'legacy-issuer', id: legacySc.id, appId: legacy.appId });

  return { subscriptionId: s.subscriptionId, projects, connections };
}
