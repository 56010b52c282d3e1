/**
 * The fake's state for what lies beyond app registrations: user-assigned managed identities and
 * their federated credentials (ARM), check configurations, security role assignments and Azure
 * DevOps identities. Kept apart from `state.ts`; reached as `fake.state.governance`.
 */
import { guidFrom } from './_random';

export interface FakeManagedIdentityCredential {
  readonly name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  /** Clock time (ms) of the last write (for `ficPropagationInMs`). */
  writtenAt: number;
}

export interface FakeManagedIdentity {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  tags: Record<string, string>;
  readonly clientId: string;
  readonly principalId: string;
  readonly tenantId: string;
  readonly credentials: Map<string, FakeManagedIdentityCredential>;
}

export interface ManagedIdentityInit {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  tags?: Record<string, string>;
  clientId?: string;
  principalId?: string;
}

export interface FakeCheck {
  readonly id: number;
  readonly projectId: string;
  readonly type: { id: string; name?: string | null | undefined };
  readonly resource: { type: string; id: string; name?: string | null | undefined };
  settings: Record<string, unknown>;
  timeout: number;
  version: number;
  isDisabled: boolean;
  readonly createdOn: string;
  modifiedOn: string;
}

export interface CheckInit {
  projectId: string;
  type: { id: string; name?: string };
  resource: { type: string; id: string };
  settings?: Record<string, unknown>;
  timeout?: number;
  isDisabled?: boolean;
}

/** An Azure DevOps identity (group or user) the identities API can find. */
export interface FakeDevOpsIdentity {
  readonly id: string;
  /** e.g. `[Fabrikam]\Release Approvers` or a user's display name. */
  readonly providerDisplayName: string;
  readonly isContainer: boolean;
  readonly mailAddress?: string;
}

/** Regions where a user-assigned identity cannot hold federated credentials (learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations#unsupported-regions-user-assigned-managed-identities). */
export const REGIONS_WITHOUT_IDENTITY_CREDENTIALS = ['malaysiasouth', 'newzealandnorth'];
/** "A maximum of 20 federated identity credentials can be added to an application or user-assigned managed identity." */
export const MAX_IDENTITY_CREDENTIALS = 20;

export const normalizeLocation = (l: string): string => l.replace(/\s+/g, '').toLowerCase();
const key = (sub: string, rg: string, name: string): string => `${sub}/${rg}/${name}`.toLowerCase();
export const roleResourceKey = (scope: string, resourceId: string): string => `${scope}|${resourceId}`.toLowerCase();

/** What {@link FakeGovernanceState} holds, as plain JSON (`wif emulator --state`). */
export interface FakeGovernanceSnapshot {
  readonly managedIdentities: Array<Omit<FakeManagedIdentity, 'credentials'> & { credentials: FakeManagedIdentityCredential[] }>;
  readonly checks: FakeCheck[];
  readonly nextCheckId: number;
  /** Per resource (`scope|resourceId`, lower case): identity id → role name. */
  readonly roles: Array<[string, Array<[string, string]>]>;
  /** Resources whose creator's role is in place. */
  readonly initialised: string[];
  readonly inheritance: Array<[string, boolean]>;
  readonly devopsIdentities: FakeDevOpsIdentity[];
}

export class FakeGovernanceState {
  readonly #env: { tenantId: () => string; now: () => number; newId: () => string };
  readonly #identities = new Map<string, FakeManagedIdentity>();
  readonly #checks = new Map<number, FakeCheck>();
  readonly #roles = new Map<string, Map<string, string>>();
  readonly #inheritance = new Map<string, boolean>();
  readonly #initialised = new Set<string>();
  readonly #devopsIdentities = new Map<string, FakeDevOpsIdentity>();
  #nextCheckId = 1;

  /** @internal Made by `FakeState`. */
  constructor(env: { tenantId: () => string; now: () => number; newId: () => string }) {
    this.#env = env;
  }

  clear(): void {
    this.#identities.clear();
    this.#checks.clear();
    this.#roles.clear();
    this.#inheritance.clear();
    this.#initialised.clear();
    this.#devopsIdentities.clear();
    this.#nextCheckId = 1;
  }

  // ------------------------------------------------------ managed identities

  /** Everything held, as plain JSON. */
  snapshot(): FakeGovernanceSnapshot {
    return structuredClone({
      managedIdentities: this.managedIdentities().map((m) => ({ ...m, credentials: [...m.credentials.values()] })),
      checks: this.checks(),
      nextCheckId: this.#nextCheckId,
      roles: [...this.#roles].map(([k, m]): [string, Array<[string, string]>] => [k, [...m]]),
      initialised: [...this.#initialised],
      inheritance: [...this.#inheritance],
      devopsIdentities: this.devopsIdentities(),
    });
  }

  /** Puts a {@link snapshot} into this state, after what it holds is cleared (records keep their ids). */
  restore(snapshot: FakeGovernanceSnapshot): void {
    this.clear();
    for (const { credentials, ...m } of structuredClone(snapshot.managedIdentities)) {
      const identity: FakeManagedIdentity = { ...m, credentials: new Map(credentials.map((c) => [c.name.toLowerCase(), c])) };
      this.#identities.set(key(m.subscriptionId, m.resourceGroup, m.name), identity);
    }
    for (const c of structuredClone(snapshot.checks)) this.#checks.set(c.id, c);
    this.#nextCheckId = Math.max(snapshot.nextCheckId, ...snapshot.checks.map((c) => c.id + 1), 1);
    for (const [k, entries] of snapshot.roles) this.#roles.set(k, new Map(entries));
    for (const k of snapshot.initialised) this.#initialised.add(k);
    for (const [k, inherit] of snapshot.inheritance) this.#inheritance.set(k, inherit);
    for (const i of snapshot.devopsIdentities) this.#devopsIdentities.set(i.id.toLowerCase(), { ...i });
  }

  managedIdentities(): FakeManagedIdentity[] {
    return [...this.#identities.values()];
  }
  managedIdentity(subscriptionId: string, resourceGroup: string, name: string): FakeManagedIdentity | undefined {
    return this.#identities.get(key(subscriptionId, resourceGroup, name));
  }
  managedIdentityByClientId(clientId: string): FakeManagedIdentity | undefined {
    return this.managedIdentities().find((m) => m.clientId.toLowerCase() === clientId.toLowerCase());
  }
  /** Seeds an identity (no rules applied). The caller registers its service principal. */
  addManagedIdentity(init: ManagedIdentityInit): FakeManagedIdentity {
    const identity: FakeManagedIdentity = {
      subscriptionId: init.subscriptionId,
      resourceGroup: init.resourceGroup,
      name: init.name,
      location: init.location ?? 'westeurope',
      tags: { ...(init.tags ?? {}) },
      clientId: init.clientId ?? this.#env.newId(),
      principalId: init.principalId ?? this.#env.newId(),
      tenantId: this.#env.tenantId(),
      credentials: new Map(),
    };
    this.#identities.set(key(init.subscriptionId, init.resourceGroup, init.name), identity);
    return identity;
  }
  deleteManagedIdentity(subscriptionId: string, resourceGroup: string, name: string): FakeManagedIdentity | undefined {
    const k = key(subscriptionId, resourceGroup, name);
    const found = this.#identities.get(k);
    this.#identities.delete(k);
    return found;
  }
  /** Seeds (or overwrites) a credential on an identity, skipping the service's rules. */
  setManagedIdentityCredential(
    identity: FakeManagedIdentity,
    init: { name: string; issuer: string; subject: string; audiences?: string[] },
  ): FakeManagedIdentityCredential {
    const credential: FakeManagedIdentityCredential = {
      name: init.name,
      issuer: init.issuer,
      subject: init.subject,
      audiences: init.audiences ?? ['api://AzureADTokenExchange'],
      writtenAt: this.#env.now(),
    };
    identity.credentials.set(init.name.toLowerCase(), credential);
    return credential;
  }

  // ------------------------------------------------------ checks

  checks(): FakeCheck[] {
    return [...this.#checks.values()].sort((a, b) => a.id - b.id);
  }
  checksOn(resourceType: string, resourceId: string): FakeCheck[] {
    return this.checks().filter(
      (c) => c.resource.type.toLowerCase() === resourceType.toLowerCase() && c.resource.id.toLowerCase() === resourceId.toLowerCase(),
    );
  }
  check(id: number): FakeCheck | undefined {
    return this.#checks.get(id);
  }
  addCheck(init: CheckInit): FakeCheck {
    const now = new Date(this.#env.now()).toISOString();
    const check: FakeCheck = {
      id: this.#nextCheckId++,
      projectId: init.projectId,
      type: { ...init.type },
      resource: { ...init.resource },
      settings: structuredClone(init.settings ?? {}),
      timeout: init.timeout ?? 43200,
      version: 1,
      isDisabled: init.isDisabled ?? false,
      createdOn: now,
      modifiedOn: now,
    };
    this.#checks.set(check.id, check);
    return check;
  }
  deleteCheck(id: number): boolean {
    return this.#checks.delete(id);
  }

  // ------------------------------------------------------ security roles

  /** Assigned roles on one resource: identity id → role name. */
  roleAssignments(scope: string, resourceId: string): Map<string, string> | undefined {
    return this.#roles.get(roleResourceKey(scope, resourceId));
  }
  setRoleAssignment(scope: string, resourceId: string, identityId: string, roleName: string): void {
    const k = roleResourceKey(scope, resourceId);
    const map = this.#roles.get(k) ?? new Map<string, string>();
    map.set(identityId.toLowerCase(), roleName);
    this.#roles.set(k, map);
  }
  /** Marks the resource as seen by the service (its creator's role is then in place); answers whether this is the first time. */
  ensureRoleResource(scope: string, resourceId: string): boolean {
    const k = roleResourceKey(scope, resourceId);
    if (!this.#roles.has(k)) this.#roles.set(k, new Map());
    if (this.#initialised.has(k)) return false;
    this.#initialised.add(k);
    return true;
  }
  removeRoleAssignment(scope: string, resourceId: string, identityId: string): boolean {
    return this.#roles.get(roleResourceKey(scope, resourceId))?.delete(identityId.toLowerCase()) ?? false;
  }
  inheritance(scope: string, resourceId: string): boolean {
    return this.#inheritance.get(roleResourceKey(scope, resourceId)) ?? true;
  }
  setInheritance(scope: string, resourceId: string, inherit: boolean): void {
    this.#inheritance.set(roleResourceKey(scope, resourceId), inherit);
  }

  // ------------------------------------------------------ Azure DevOps identities

  devopsIdentities(): FakeDevOpsIdentity[] {
    return [...this.#devopsIdentities.values()];
  }
  devopsIdentity(id: string): FakeDevOpsIdentity | undefined {
    return this.#devopsIdentities.get(id.toLowerCase());
  }
  /** Seeds a group (`[Project]\Name`) or a user (with `mailAddress`); the id is derived from the name unless given. */
  addDevOpsIdentity(init: { providerDisplayName: string; isContainer?: boolean; mailAddress?: string; id?: string }): FakeDevOpsIdentity {
    const identity: FakeDevOpsIdentity = {
      id: (init.id ?? guidFrom(`devops-identity/${init.providerDisplayName.toLowerCase()}`)).toLowerCase(),
      providerDisplayName: init.providerDisplayName,
      isContainer: init.isContainer ?? init.mailAddress === undefined,
      ...(init.mailAddress !== undefined ? { mailAddress: init.mailAddress } : {}),
    };
    this.#devopsIdentities.set(identity.id, identity);
    return identity;
  }
}
