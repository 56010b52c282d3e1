/** The data of a preflight: the writes it checks, what it found, and the report. */

/** The service a permission belongs to. */
export type PreflightService = 'graph' | 'arm' | 'devops';

/**
 * `granted`: the check says the write will be allowed; `missing`: the service's own evaluation (or
 * the token the write will carry) says it will be refused — a refusal in the plan; `unknown`: a
 * hint only (a condition that cannot be evaluated, a token without `wids`, a read that failed) —
 * shown, never blocking.
 */
export type CheckStatus = 'granted' | 'missing' | 'unknown';

/** How far a check can be trusted (see docs/security.md, "Preflight"). */
export type CheckConfidence = 'authoritative' | 'strong hint' | 'hint';

/** A Graph write and what it needs. */
export type GraphWrite = 'createApplication' | 'updateApplication' | 'createServicePrincipal' | 'writeFederatedCredential';

/** One write a plan contains, as the preflight needs to know it. */
export type PreflightWrite =
  | {
      readonly service: 'graph';
      /** The connection (spec key) the write belongs to. */
      readonly connection: string;
      readonly write: GraphWrite;
      /** Whether the application is created by this same run (the caller then owns it). */
      readonly newApplication: boolean;
    }
  | {
      readonly service: 'arm';
      readonly connection: string;
      /** An ARM action, e.g. `Microsoft.Authorization/roleAssignments/write`. */
      readonly action: string;
      /** The scope the write targets (the permissions read is made there). */
      readonly scope: string;
      /** For role assignments: the role definition GUID (checked against delegation conditions). */
      readonly roleDefinitionGuid?: string;
      /** For role assignments: whether the principal is created by this run. */
      readonly newPrincipal?: boolean;
    }
  | {
      readonly service: 'devops';
      readonly connection: string;
      /** `Create` a connection in the project, or `Administer` an existing one. */
      readonly permission: 'Create' | 'Administer';
      /** Project name (as in the spec). */
      readonly project: string;
      /** Project GUID, when the caller knows it (saves a lookup). */
      readonly projectId?: string;
      /** For `Administer`: the existing connection's id. */
      readonly endpointId?: string;
    };

/** Who wif runs as, per service, as far as the preflight could tell. */
export interface PreflightCaller {
  /** From the Microsoft Graph token (the same Entra identity calls ARM). */
  readonly entra?: {
    readonly objectId?: string;
    readonly tenantId?: string;
    readonly upn?: string;
    readonly appId?: string;
    readonly appOnly: boolean;
  };
  /** From Azure DevOps `connectionData.authenticatedUser`. */
  readonly devops?: { readonly id: string; readonly displayName?: string };
  /** One line for messages: UPN, else object id, else "the caller". */
  readonly display: string;
}

/** One permission checked at one place. */
export interface PreflightCheck {
  readonly service: PreflightService;
  /** The permission, e.g. `Microsoft.Authorization/roleAssignments/write`, `ServiceEndpoints/Create`, `Application.ReadWrite.All`. */
  readonly permission: string;
  /** The ARM scope, `project web`, `project web, connection {id}` or `tenant {id}`. */
  readonly scope: string;
  readonly status: CheckStatus;
  readonly confidence: CheckConfidence;
  /** What the check saw, e.g. `permissions API @ …: no entry allows …`. */
  readonly evidence: string;
  /** What to do when it is not granted. */
  readonly fix?: string;
  /** The connections (spec keys) whose writes need it. */
  readonly connections: readonly string[];
}

/** What {@link preflight} found. */
export interface PreflightReport {
  readonly caller: PreflightCaller;
  readonly checks: readonly PreflightCheck[];
  readonly summary: { readonly granted: number; readonly missing: number; readonly unknown: number };
}
