/**
 * `wif emulator --state FILE`: the fake's state as JSON, loaded at start and written after every
 * change (atomically: a temporary file, then a rename). The fake keeps no secret, so neither does
 * the file. Built-in roles are not saved (every fake has them). Managed identities, checks, security
 * roles and Azure DevOps identities are (`governance`).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type {
  FakeApplication,
  FakeFederatedCredential,
  FakeGovernanceSnapshot,
  FakePipelinePermissions,
  FakeProject,
  FakeRoleAssignment,
  FakeRoleDefinition,
  FakeServiceEndpoint,
  FakeServicePrincipal,
  FakeState,
} from '@wif/testing';
import { createFake } from '@wif/testing';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';

const FORMAT = 'wif-emulator-state/1';

interface SnapshotFile {
  readonly format: typeof FORMAT;
  readonly tenantId: string;
  readonly organization: string;
  readonly projects: FakeProject[];
  readonly applications: Array<FakeApplication & { federatedCredentials: FakeFederatedCredential[] }>;
  readonly servicePrincipals: FakeServicePrincipal[];
  readonly principals: Array<{ id: string; type: 'User' | 'Group' | 'ForeignGroup' }>;
  readonly roleDefinitions: FakeRoleDefinition[];
  readonly roleAssignments: FakeRoleAssignment[];
  readonly serviceEndpoints: Array<FakeServiceEndpoint & { pipelinePermissions: Record<string, FakePipelinePermissions> }>;
  /**
   * Managed identities and their credentials, checks, security roles and Azure DevOps identities.
   * Absent from files written before they were saved: such a file restores without them.
   */
  readonly governance?: FakeGovernanceSnapshot;
}

/** Serializes the state (custom roles only; the built-in ones come with every fake). */
export function snapshotOf(state: FakeState): SnapshotFile {
  const principals = new Map<string, 'User' | 'Group' | 'ForeignGroup'>();
  for (const ra of state.roleAssignments()) {
    const type = state.principalType(ra.principalId);
    if (type && type !== 'ServicePrincipal') principals.set(ra.principalId, type);
  }
  return {
    format: FORMAT,
    tenantId: state.tenantId,
    organization: state.organization,
    projects: state.projects(),
    applications: state.applications().map((a) => ({ ...a, federatedCredentials: state.federatedCredentials(a.id) })),
    servicePrincipals: state.servicePrincipals(),
    principals: [...principals].map(([id, type]) => ({ id, type })),
    roleDefinitions: state.roleDefinitions().filter((r) => r.type === 'CustomRole'),
    roleAssignments: state.roleAssignments(),
    serviceEndpoints: state.serviceEndpoints().map((e) => ({
      ...e,
      pipelinePermissions: Object.fromEntries(
        e.projectReferences.map((r) => [r.projectId, state.pipelinePermissions(r.projectId, e.id) ?? { pipelines: [] }]),
      ),
    })),
    governance: state.governance.snapshot(),
  };
}

/** Puts a snapshot into an empty state (records keep their ids and timestamps). */
export function restoreSnapshot(snapshot: SnapshotFile, state: FakeState): void {
  for (const p of snapshot.projects)
    Object.assign(state.addProject(p.name, { id: p.id, description: p.description, visibility: p.visibility }), p);
  for (const { federatedCredentials, ...a } of snapshot.applications) {
    const app = state.addApplication({
      id: a.id,
      appId: a.appId,
      displayName: a.displayName,
      signInAudience: a.signInAudience,
      tags: a.tags,
      properties: a.properties,
      ...(a.uniqueName ? { uniqueName: a.uniqueName } : {}),
    });
    Object.assign(app, a);
    for (const f of federatedCredentials) Object.assign(state.addFederatedCredential(app.id, f), f, { writtenAt: 0 });
  }
  // A managed identity's service principal has no application: it is restored as one.
  for (const sp of snapshot.servicePrincipals) {
    const restored =
      sp.servicePrincipalType === 'ManagedIdentity'
        ? state.addManagedIdentityServicePrincipal({ appId: sp.appId, id: sp.id, displayName: sp.displayName })
        : state.addServicePrincipal({ appId: sp.appId, id: sp.id });
    Object.assign(restored, sp, { createdAt: 0 });
  }
  for (const p of snapshot.principals) state.addPrincipal(p.id, p.type);
  for (const r of snapshot.roleDefinitions) state.addRoleDefinition(r);
  for (const ra of snapshot.roleAssignments)
    Object.assign(
      state.addRoleAssignment({ name: ra.name, scope: ra.scope, roleDefinitionId: ra.roleDefinitionId, principalId: ra.principalId }),
      ra,
    );
  for (const { pipelinePermissions, ...e } of snapshot.serviceEndpoints) {
    const endpoint = state.addServiceEndpoint({
      id: e.id,
      name: e.name,
      projects: e.projectReferences.map((r) => r.projectId),
      scheme: e.scheme,
    });
    Object.assign(endpoint, e);
    state.syncPipelinePermissions(endpoint);
    for (const [projectId, perms] of Object.entries(pipelinePermissions)) {
      const live = state.pipelinePermissions(projectId, endpoint.id);
      if (live) Object.assign(live, perms);
    }
  }
  // Project references were written directly: the per-project index must be rebuilt.
  state.touchServiceEndpoints();
  // As for the federated credentials above: written long enough ago to be in effect.
  if (snapshot.governance)
    state.governance.restore({
      ...snapshot.governance,
      managedIdentities: snapshot.governance.managedIdentities.map((m) => ({
        ...m,
        credentials: m.credentials.map((c) => ({ ...c, writtenAt: 0 })),
      })),
    });
}

export interface SnapshotError {
  readonly message: string;
}

/** A loaded snapshot, ready to restore into a new fake; `undefined` when the file does not exist. */
export function loadSnapshot(file: string): ResultAsync<{ restore(state: FakeState): void } | undefined, SnapshotError> {
  return ResultAsync.fromPromise(readFile(file, 'utf8'), (e) => e as NodeJS.ErrnoException)
    .map((text): string | undefined => text)
    .orElse((e) =>
      e.code === 'ENOENT' ? okAsync(undefined) : errAsync({ message: `Cannot read the emulator state ${file}: ${e.code ?? e.message}` }),
    )
    .andThen((text) => {
      if (text === undefined) return okAsync(undefined);
      let parsed: SnapshotFile;
      try {
        parsed = JSON.parse(text) as SnapshotFile;
      } catch {
        return errAsync({ message: `The emulator state ${file} is not JSON: delete it to start fresh.` });
      }
      if (parsed.format !== FORMAT)
        return errAsync({ message: `The emulator state ${file} is not a ${String(FORMAT)} file: delete it to start fresh.` });
      // The whole snapshot is checked now, by restoring it into a scratch fake, so that a corrupt
      // file is refused before the emulator listens (never half-restored, never served empty).
      try {
        restoreSnapshot(parsed, createFake().state);
      } catch (e) {
        return errAsync({
          message: `The emulator state ${file} is corrupt (${(e as Error).message}): fix it or delete it to start fresh.`,
        });
      }
      return okAsync({ restore: (state: FakeState) => restoreSnapshot(parsed, state) });
    });
}

/** Writes the state to `file` atomically. */
export function saveSnapshot(file: string, state: FakeState): ResultAsync<void, SnapshotError> {
  const tmp = `${file}.${process.pid}.tmp`;
  return ResultAsync.fromPromise(
    writeFile(tmp, `${JSON.stringify(snapshotOf(state), null, 2)}\n`, 'utf8').then(() => rename(tmp, file)),
    (e) => ({ message: `Cannot save the emulator state to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }),
  );
}
