/**
 * Loading a spec: parse YAML or JSON, validate every field at once, expand environment sets, and
 * check the rules that span connections (one app per connection, unique names per project, no
 * privileged role at a broad scope unless allowed). Nothing here sends a request.
 */
import { BUILT_IN_ROLES, parseScope } from '@wif/arm';
import { refusePrivileged } from '../_internal/privileged';
import { built, deferred, type Problem, validationError, type ValidationError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';
import * as z from 'zod';
import type { ConnectionTarget } from '../target';
import { defaultUniqueName } from '../_internal/uniqueName';
import { identityKey } from '../_internal/identityNames';
import {
  connectionNameSchema,
  displayNameSchema,
  guidSchema,
  isGuid,
  organizationSchema,
  projectSchema,
  uniqueNameSchema,
  unsafeStringProblems,
  validate,
} from '../validation';
import { isKeyProblem, parseSpecDocument, specProblems } from './_problems';
import {
  type ConnectionSpec,
  connectionSpecSchema,
  type EnvironmentSetSpec,
  environmentSetSchema,
  pipelinesSchema,
  type PipelinesSpec,
  roleGrantSchema,
  type RoleGrantSpec,
  specSchema,
  targetSchema,
} from './schema';
import type { ChecksSpec, IdentitySpec, SecuritySpec } from './governance';

/** One connection the spec wants, after environment sets are expanded and defaults applied. */
export interface DesiredConnection {
  /** `project/name`, lower-case: unique within a spec. */
  readonly key: string;
  readonly project: string;
  readonly name: string;
  /**
   * The app registration: created and kept by wif under `uniqueName`; or, with `appId`, an app made
   * outside wif and adopted by its application (client) id, read by it and never created, changed or
   * deleted (then `displayName` and `uniqueName` are that id, until the app is read).
   */
  readonly app: { readonly displayName: string; readonly uniqueName: string; readonly appId?: string };
  readonly target: ConnectionTarget;
  /** Every role with its own scope. */
  readonly roles: readonly RoleGrantSpec[];
  readonly shareWith: readonly string[];
  readonly pipelines?: PipelinesSpec;
  readonly description?: string;
  /** Where in the spec this connection comes from, e.g. `environments[0].prod`. */
  readonly origin: string;
  /** Set when the connection runs on a user-assigned managed identity (then `app` is unused). */
  readonly managedIdentity?: DesiredManagedIdentity;
  readonly checks?: ChecksSpec;
  readonly security?: SecuritySpec;
}

/** A user-assigned managed identity a connection runs on (name defaulted). */
export interface DesiredManagedIdentity {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
}

/** A validated spec with every connection spelled out: what `plan`, `apply` and `sync` take. */
export interface ResolvedSpec {
  readonly organization: string;
  readonly tenantId: string;
  readonly cloud: 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';
  readonly connections: readonly DesiredConnection[];
}

/** The largest spec wif reads: 1 MB (a spec of 1,000 connections is about 300 kB). */
export const MAX_SPEC_BYTES = 1_048_576;

/** Options of {@link parseSpecText} and {@link loadSpec}. */
export interface LoadSpecOptions {
  /**
   * Receives each YAML warning (e.g. a duplicate `%YAML` directive), redacted by the caller's
   * printer; without it, warnings are dropped. Never written to the process's stderr directly.
   */
  readonly onWarning?: (message: string) => void;
}

/** Text over {@link MAX_SPEC_BYTES}, refused before it is parsed. */
function tooLarge(text: string, source: string): ValidationError | undefined {
  return Buffer.byteLength(text, 'utf8') > MAX_SPEC_BYTES
    ? validationError([{ path: source, message: `is larger than ${MAX_SPEC_BYTES} bytes; a spec is refused above 1 MB` }])
    : undefined;
}

/**
 * Parses spec text (YAML is a superset of JSON, so both work); a syntax error names
 * `source:line:column`. Text over {@link MAX_SPEC_BYTES} and tags YAML does not define (`!note`,
 * `!evil`) are refused.
 */
export function parseSpecText(text: string, source = 'spec', options: LoadSpecOptions = {}): Result<unknown, ValidationError> {
  const big = tooLarge(text, source);
  if (big) return err(big);
  const parsed = parseSpecDocument(text, source, options.onWarning);
  return parsed.ok ? ok(parsed.doc.value) : err(validationError([parsed.problem]));
}

function targetFor(c: ConnectionSpec, roles: readonly RoleGrantSpec[], path: string, problems: Problem[]): ConnectionTarget | undefined {
  if (c.target) return c.target;
  const from = c.scope ?? roles[0]?.scope;
  const parsed = from ? parseScope(from) : undefined;
  const subscriptionId = parsed?.isOk() ? parsed.value.subscriptionId : undefined;
  if (!subscriptionId) {
    problems.push({
      path: `${path}.target`,
      message: 'cannot be derived (the scope is not within a subscription): give target explicitly',
    });
    return undefined;
  }
  return { level: 'subscription', subscriptionId, subscriptionName: c.subscriptionName ?? subscriptionId };
}

/** Roles with their scopes filled in from the connection scope (the schema made sure one exists). */
function rolesOf(c: ConnectionSpec): RoleGrantSpec[] {
  return c.roles.map((r) => {
    const grant = typeof r === 'string' ? { role: r } : r;
    return { ...grant, scope: grant.scope ?? c.scope ?? '' };
  });
}

/** A role's definition GUID when it is known without a request (a GUID, or a built-in name). */
const staticGuid = (role: string): string | undefined =>
  isGuid(role) ? role.toLowerCase() : Object.entries(BUILT_IN_ROLES).find(([n]) => n.toLowerCase() === role.toLowerCase())?.[1];

/** The refusal `grantRole` and `plan` make (the same function), found before anything is read. */
function checkPrivileged(c: DesiredConnection, problems: Problem[]): void {
  c.roles.forEach((r, j) => {
    const scope = parseScope(r.scope);
    const guid = staticGuid(r.role);
    if (!scope.isOk() || !guid) return;
    const refused = refusePrivileged({ guid, roleName: r.role, scope: scope.value, allowPrivileged: r.allowPrivileged });
    if (refused.isErr()) problems.push({ path: `${c.origin}.roles[${j}]`, message: refused.error.message });
  });
}

/** The managed identity of a connection, its name defaulted to `id-{name}` (made a valid identity name). */
function managedIdentityOf(identity: IdentitySpec | undefined, defaultName: string): DesiredManagedIdentity | undefined {
  if (identity?.kind !== 'managedIdentity') return undefined;
  const derived = `id-${defaultName}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128);
  return {
    subscriptionId: identity.subscriptionId,
    resourceGroup: identity.resourceGroup,
    name: identity.name ?? derived,
    location: identity.location,
  };
}

/** The optional governance fields of a desired connection. */
function governanceOf(
  managedIdentity: DesiredManagedIdentity | undefined,
  checks: ChecksSpec | undefined,
  security: SecuritySpec | undefined,
): Pick<DesiredConnection, 'managedIdentity' | 'checks' | 'security'> {
  return {
    ...(managedIdentity ? { managedIdentity } : {}),
    ...(checks ? { checks } : {}),
    ...(security ? { security } : {}),
  };
}

/** Rules across connections: unique names per project, one app per connection, no privileged role at a broad scope. */
function crossProblems(connections: readonly DesiredConnection[]): Problem[] {
  const problems: Problem[] = [];
  const byKey = new Map<string, string>();
  const byApp = new Map<string, string>();
  for (const c of connections) {
    const seen = byKey.get(c.key);
    if (seen) problems.push({ path: c.origin, message: `connection "${c.name}" in project "${c.project}" is also defined at ${seen}` });
    else byKey.set(c.key, c.origin);
    const app = (c.app.appId ?? c.app.uniqueName).toLowerCase();
    const owner = c.managedIdentity ? undefined : byApp.get(app);
    if (owner)
      problems.push({
        path: `${c.origin}.app`,
        message: `app "${c.app.appId ?? c.app.uniqueName}" is also used by ${owner}: one app per connection, always`,
      });
    else if (!c.managedIdentity) byApp.set(app, c.origin);
    if (c.shareWith.some((p) => p.toLowerCase() === c.project.toLowerCase())) {
      problems.push({ path: `${c.origin}.shareWith`, message: 'must not name the owning project' });
    }
    checkPrivileged(c, problems);
  }
  return problems;
}

/** The connections and environment sets of a spec; an invalid one is `undefined` (its index stays). */
interface Parts {
  readonly connections: readonly (ConnectionSpec | undefined)[];
  readonly environments: readonly (EnvironmentSetSpec | undefined)[];
}

/** The parts of an invalid spec that are valid on their own, so their cross-connection problems are listed too. */
function validParts(input: unknown): Parts {
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const each = <S extends z.ZodType>(schema: S, list: unknown): (z.output<S> | undefined)[] =>
    Array.isArray(list)
      ? list.map((x) => {
          const r = schema.safeParse(x);
          return r.success ? r.data : undefined;
        })
      : [];
  return {
    connections: each(connectionSpecSchema, record['connections']),
    environments: each(environmentSetSchema, record['environments']),
  };
}

function expand(parts: Parts): { connections: DesiredConnection[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const connections: DesiredConnection[] = [];
  parts.connections.forEach((c, i) => {
    if (!c) return;
    const path = `connections[${i}]`;
    const roles = rolesOf(c);
    const target = targetFor(c, roles, path, problems);
    if (!target) return;
    const managed = managedIdentityOf(c.identity, c.name);
    const app = c.app === undefined ? { displayName: `mi-${c.name}` } : typeof c.app === 'string' ? { displayName: c.app } : c.app;
    const resolvedApp =
      'appId' in app
        ? { displayName: app.appId.toLowerCase(), uniqueName: app.appId.toLowerCase(), appId: app.appId.toLowerCase() }
        : { displayName: app.displayName, uniqueName: app.uniqueName ?? defaultUniqueName(app.displayName) };
    connections.push({
      key: `${c.project}/${c.name}`.toLowerCase(),
      project: c.project,
      name: c.name,
      app: resolvedApp,
      ...governanceOf(managed, c.checks, c.security),
      target,
      roles,
      shareWith: c.shareWith ?? [],
      ...(c.pipelines !== undefined ? { pipelines: c.pipelines } : {}),
      ...(c.description !== undefined ? { description: c.description } : {}),
      origin: path,
    });
  });
  parts.environments.forEach((e, i) => {
    if (!e) return;
    const appPrefix = e.appPrefix ?? e.name;
    const rg = (name: string): string => `/subscriptions/${e.subscriptionId}/resourceGroups/${name}`;
    const target: ConnectionTarget = {
      level: 'subscription',
      subscriptionId: e.subscriptionId,
      subscriptionName: e.subscriptionName ?? e.subscriptionId,
    };
    const make = (
      suffix: string,
      role: string,
      scope: string,
      pipelines: PipelinesSpec | undefined,
      origin: string,
      extras: { identity?: IdentitySpec | undefined; checks?: ChecksSpec | undefined; security?: SecuritySpec | undefined } = {},
    ): DesiredConnection => {
      const displayName = `${appPrefix}-${suffix}`;
      // An identity named at the set level is shared by its connections (its default name is the set's).
      const managed = extras.identity ? managedIdentityOf(extras.identity, `${e.name}-${suffix}`) : managedIdentityOf(e.identity, e.name);
      return {
        ...governanceOf(managed, extras.checks, extras.security),
        key: `${e.project}/${e.name}-${suffix}`.toLowerCase(),
        project: e.project,
        name: `${e.name}-${suffix}`,
        app: { displayName, uniqueName: defaultUniqueName(displayName) },
        target,
        roles: [{ role, scope }, ...(e.extraRoles ?? [])],
        shareWith: e.shareWith ?? [],
        ...(pipelines !== undefined ? { pipelines } : {}),
        description: `${suffix} connection of environment set ${e.name} (managed by wif)`,
        origin,
      };
    };
    const path = `environments[${i}]`;
    connections.push(make('dev', 'Contributor', rg(e.dev.resourceGroup), e.dev.pipelines, `${path}.dev`, e.dev));
    connections.push(make('prod', 'Contributor', rg(e.prod.resourceGroup), e.prod.pipelines, `${path}.prod`, e.prod));
    if (e.readonly !== false) {
      connections.push(
        make('prod-readonly', 'Reader', rg(e.prod.resourceGroup), e.readonly?.pipelines, `${path}.readonly`, e.readonly ?? {}),
      );
    }
  });

  problems.push(...crossProblems(connections));
  return { connections, problems };
}

/** Validates a parsed spec object and expands it. Every problem is reported at once; nothing is sent. */
export function resolveSpec(input: unknown): Result<ResolvedSpec, ValidationError> {
  // Every string of the spec, named field or not, is free of control and invisible characters.
  const unsafe = unsafeStringProblems(input);
  if (unsafe.length > 0) return err(validationError(unsafe));
  const valid = specSchema.safeParse(input);
  if (!valid.success) return err(validationError([...specProblems(valid.error, input, specSchema), ...expand(validParts(input)).problems]));
  const spec = valid.data;
  const { connections, problems } = expand({ connections: spec.connections ?? [], environments: spec.environments ?? [] });
  if (problems.length > 0) return err(validationError(problems));
  const resolved = deepFreeze({ organization: spec.organization, tenantId: spec.tenantId, cloud: spec.cloud ?? 'AzureCloud', connections });
  resolvedHere.add(resolved);
  return ok(resolved);
}

/**
 * What a valid spec does that its author may not mean: connections that run on one managed identity
 * with different roles. Azure grants a role to the identity, not to a connection, so each of those
 * connections can use every role of the others: a read-only or dev connection on an identity shared
 * with prod can write prod. One message per identity. Pure.
 */
export function identitySharingWarnings(spec: ResolvedSpec): string[] {
  const groups = new Map<string, DesiredConnection[]>();
  for (const c of spec.connections) {
    const mi = c.managedIdentity;
    if (!mi) continue;
    const key = identityKey(mi);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const rolesOf = (c: DesiredConnection): string[] => [...new Set(c.roles.map((r) => `${r.role} @ ${r.scope}`.toLowerCase()))].sort();
  const out: string[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const first = rolesOf(members[0]!).join('|');
    if (members.every((c) => rolesOf(c).join('|') === first)) continue;
    const union = [...new Set(members.flatMap((c) => c.roles.map((r) => `${r.role} @ ${r.scope}`)))];
    out.push(
      `${members.map((c) => `${c.project}/${c.name}`).join(', ')} run on one managed identity, ${members[0]!.managedIdentity!.name}, with different roles: ` +
        `Azure grants roles to the identity, not to a connection, so each of them can use all of ${union.join(', ')}. ` +
        'Give a connection that must do less (a read-only or dev one) an identity of its own (identity on that connection, or on dev / prod / readonly of an environment set).',
    );
  }
  return out;
}

/**
 * The specs {@link resolveSpec} made, frozen to the last array: {@link checkResolvedSpec} need not
 * check them again, since nothing can have changed them since. A spec built or copied by a caller is
 * checked in full, as before. (The check ran in every `plan` and `apply` of a loaded spec: ~9 ms of a
 * 43-connection apply's CPU, docs/decisions/028-the-critical-path-holds-only-requests.md.)
 */
const resolvedHere = new WeakSet<ResolvedSpec>();

/** Whether {@link resolveSpec} made `spec` (and froze it: it cannot have changed since). @internal */
export function madeByResolveSpec(spec: ResolvedSpec): boolean {
  return resolvedHere.has(spec);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and resolves spec text (YAML or JSON). Every problem carries the `location`
 * (`source:line:column`) of the node it is about.
 */
export function loadSpec(text: string, source = 'spec', options: LoadSpecOptions = {}): Result<ResolvedSpec, ValidationError> {
  const big = tooLarge(text, source);
  if (big) return err(big);
  const warned = (r: Result<ResolvedSpec, ValidationError>): Result<ResolvedSpec, ValidationError> => {
    if (r.isOk() && options.onWarning) for (const w of identitySharingWarnings(r.value)) options.onWarning(`${source}: ${w}`);
    return r;
  };
  // A JSON spec that resolves needs neither the YAML parser nor source locations: same value, same
  // result. Anything else (YAML, invalid JSON, duplicate keys, a spec with problems) takes the YAML
  // path, which reports every problem with its `source:line:column`.
  const json = plainJson(text);
  if (json !== undefined) {
    const resolved = resolveSpec(json.value);
    if (resolved.isOk()) return warned(resolved);
  }
  const parsed = parseSpecDocument(text, source, options.onWarning);
  if (!parsed.ok) return err(validationError([parsed.problem]));
  const { doc } = parsed;
  return warned(resolveSpec(doc.value)).mapErr((e) =>
    validationError(
      e.problems.map((p) => {
        const location = p.location ?? doc.locate(p.path, { key: isKeyProblem(p) });
        return location ? { ...p, location } : p;
      }),
    ),
  );
}

/**
 * `text` as JSON when it is a JSON object without duplicate keys (which JSON.parse would silently
 * merge and the YAML parser refuses), else `undefined`.
 */
function plainJson(text: string): { value: unknown } | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateKeys(text) ? undefined : { value };
}

/** Whether an object of the (valid) JSON `text` repeats a key. */
function hasDuplicateKeys(text: string): boolean {
  const objects: (Set<string> | undefined)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = objects[objects.length - 1];
      if (keyNext && keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return true;
        keys.add(key);
      }
      keyNext = false;
      i = j;
    } else if (c === '{') {
      objects.push(new Set());
      keyNext = true;
    } else if (c === '[') {
      objects.push(undefined);
      keyNext = false;
    } else if (c === '}' || c === ']') {
      objects.pop();
      keyNext = false;
    } else if (c === ',') {
      keyNext = objects[objects.length - 1] !== undefined;
    }
  }
  return false;
}

const desiredConnectionSchema = deferred(() =>
  z.looseObject({
    key: z.string().min(1),
    project: projectSchema,
    name: connectionNameSchema,
    app: z.strictObject({ displayName: displayNameSchema, uniqueName: uniqueNameSchema }),
    target: built(targetSchema),
    roles: z.array(roleGrantSchema).min(1, 'needs at least one role'),
    shareWith: z.array(projectSchema),
    pipelines: built(pipelinesSchema).optional(),
    description: z.string().max(1024).optional(),
    origin: z.string(),
  }),
);

const resolvedSpecSchema = deferred(() =>
  z.looseObject({
    organization: organizationSchema,
    tenantId: guidSchema,
    cloud: z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']),
    connections: z.array(z.unknown()),
  }),
);

/**
 * Checks a {@link ResolvedSpec} again before a workflow sends anything (it may have been built by
 * hand rather than by {@link resolveSpec}): every problem at once, with its path. @internal
 */
export function checkResolvedSpec(spec: ResolvedSpec): Result<ResolvedSpec, ValidationError> {
  if (resolvedHere.has(spec)) return ok(spec);
  const unsafe = unsafeStringProblems(spec);
  if (unsafe.length > 0) return err(validationError(unsafe));
  const head = validate(resolvedSpecSchema, spec);
  if (head.isErr()) return err(head.error);
  const problems: Problem[] = [];
  const wellFormed: DesiredConnection[] = [];
  spec.connections.forEach((c, i) => {
    const one = validate(desiredConnectionSchema, c, `connections[${i}]`);
    if (one.isErr()) problems.push(...one.error.problems);
    else wellFormed.push({ ...c, origin: `connections[${i}]` });
  });
  problems.push(...crossProblems(wellFormed));
  return problems.length > 0 ? err(validationError(problems)) : ok(spec);
}
