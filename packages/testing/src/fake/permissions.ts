/**
 * Permissions the fake's caller lacks: `deny` entries set with `fake.setPermissions({ deny })` (the
 * emulator's `POST /_emulator/permissions`). Each service then refuses the write with its real 403
 * body, and its permission reads tell the truth:
 *
 * - `arm:{action}[@{scope}]` — e.g. `arm:Microsoft.Authorization/roleAssignments/write`, optionally
 *   only at and below one scope. `GET …/providers/Microsoft.Authorization/permissions` then answers
 *   `{ actions: ['*'], notActions: [denied actions] }` there (a custom role shaped like Owner minus them).
 * - `devops:ServiceEndpoints/{Use|Administer|Create|ViewAuthorization|ViewEndpoint}[@{project}]` —
 *   optionally only in one project (name or id). The permission evaluation answers `false` there.
 * - `graph:{Application.ReadWrite.All|Application.ReadWrite.OwnedBy|AppRegistration.Create}` — the
 *   caller's tokens (`fake.callerClaims`) no longer carry it and Graph refuses the writes that need it.
 *
 * `{ deny: [] }` resets.
 */
import { isAtOrAbove, normalizeScope } from './state';

export type DenyEntry =
  | { readonly service: 'arm'; readonly action: string; readonly scope?: string; readonly text: string }
  | { readonly service: 'devops'; readonly permission: ServiceEndpointPermission; readonly project?: string; readonly text: string }
  | { readonly service: 'graph'; readonly permission: GraphPermission; readonly text: string };

export const SERVICE_ENDPOINT_BITS = { Use: 1, Administer: 2, Create: 4, ViewAuthorization: 8, ViewEndpoint: 16 } as const;
export type ServiceEndpointPermission = keyof typeof SERVICE_ENDPOINT_BITS;
export const GRAPH_PERMISSIONS = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'AppRegistration.Create'] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];

/** Parses deny entries; answers the problems instead when any entry is not understood. */
export function parseDeny(entries: readonly unknown[]): { ok: true; value: DenyEntry[] } | { ok: false; problems: string[] } {
  const value: DenyEntry[] = [];
  const problems: string[] = [];
  for (const raw of entries) {
    if (typeof raw !== 'string') {
      problems.push(`${JSON.stringify(raw)} is not a string`);
      continue;
    }
    const m = /^(arm|devops|graph):([^@]+)(?:@(.+))?$/i.exec(raw.trim());
    const [, service = '', permission = '', where] = m ?? [];
    if (!m) problems.push(`"${raw}" is not service:permission[@where]`);
    else if (service.toLowerCase() === 'arm') {
      if (!/^[A-Za-z0-9.*]+(\/[A-Za-z0-9.*]+)+$/.test(permission)) problems.push(`"${raw}": "${permission}" is not an ARM action`);
      else if (where !== undefined && !/^\/(subscriptions|providers)\//i.test(where))
        problems.push(`"${raw}": "${where}" is not an ARM scope`);
      else value.push({ service: 'arm', action: permission, ...(where !== undefined ? { scope: normalizeScope(where) } : {}), text: raw });
    } else if (service.toLowerCase() === 'devops') {
      const bit = /^ServiceEndpoints\/(\w+)$/i.exec(permission)?.[1];
      const name = (Object.keys(SERVICE_ENDPOINT_BITS) as ServiceEndpointPermission[]).find((k) => k.toLowerCase() === bit?.toLowerCase());
      if (!name) problems.push(`"${raw}": use devops:ServiceEndpoints/{${Object.keys(SERVICE_ENDPOINT_BITS).join('|')}}[@project]`);
      else value.push({ service: 'devops', permission: name, ...(where !== undefined ? { project: where } : {}), text: raw });
    } else {
      const name = GRAPH_PERMISSIONS.find((g) => g.toLowerCase() === permission.toLowerCase());
      if (!name || where !== undefined) problems.push(`"${raw}": use graph:{${GRAPH_PERMISSIONS.join('|')}}`);
      else value.push({ service: 'graph', permission: name, text: raw });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** Whether an RBAC action pattern (`*` spans any characters, `/` included) covers `action`, ignoring case. */
export function actionCovers(pattern: string, action: string): boolean {
  const literal = (part: string): string => part.replace(/[.+?^$()|[\]\\{}]/g, '\\$&');
  return new RegExp(`^${pattern.split('*').map(literal).join('.*')}$`, 'i').test(action);
}

/** The deny list of a fake, and the questions every service asks it. */
export class FakePermissions {
  #deny: DenyEntry[] = [];
  /** The tenant setting "Users can register applications" (`authorizationPolicy`). */
  allowedToCreateApps = true;
  /** Whether the caller's tokens are app-only (`idtyp: app`, Graph `roles`) rather than a user's (`scp`). */
  appOnly = false;

  get deny(): readonly DenyEntry[] {
    return this.#deny;
  }

  set(entries: readonly DenyEntry[]): void {
    this.#deny = [...entries];
  }

  /** The ARM actions denied at `scope` (entries without a scope, or whose scope is at or above it). */
  armDeniedAt(scope: string): string[] {
    return this.#deny.flatMap((d) => (d.service === 'arm' && (d.scope === undefined || isAtOrAbove(d.scope, scope)) ? [d.action] : []));
  }

  armDenies(action: string, scope: string): boolean {
    return this.armDeniedAt(scope).some((d) => actionCovers(d, action));
  }

  /** Whether `bits` (one or more ServiceEndpoints bits) are denied in the project (`matches` tells name or id). */
  devopsDenies(bits: number, matchesProject: (key: string) => boolean): boolean {
    return this.#deny.some(
      (d) =>
        d.service === 'devops' &&
        (SERVICE_ENDPOINT_BITS[d.permission] & bits) !== 0 &&
        (d.project === undefined || matchesProject(d.project)),
    );
  }

  graphDenies(permission: GraphPermission): boolean {
    return this.#deny.some((d) => d.service === 'graph' && d.permission === permission);
  }

  /**
   * Claims for the caller's tokens that tell the truth about the deny list: for Microsoft Graph, a
   * user's `scp` or an app's `roles` without the denied permissions. Pass it to
   * `createTestCredential({ claims })`.
   */
  callerClaims(scope: string, defaultScopes: string): Record<string, unknown> {
    if (!/graph\.microsoft\.com/i.test(scope)) return this.appOnly ? { idtyp: 'app', scp: '' } : {};
    if (this.appOnly) {
      const roles = (['Application.ReadWrite.OwnedBy'] as GraphPermission[]).filter((p) => !this.graphDenies(p));
      return { idtyp: 'app', scp: '', roles };
    }
    return {
      scp: defaultScopes
        .split(' ')
        .filter((p) => !GRAPH_PERMISSIONS.includes(p as GraphPermission) || !this.graphDenies(p as GraphPermission))
        .join(' '),
    };
  }

  reset(): void {
    this.#deny = [];
    this.allowedToCreateApps = true;
    this.appOnly = false;
  }
}
