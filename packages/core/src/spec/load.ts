/**
 * Loading a spec: parse YAML or JSON, validate every field at once, expand environment sets, and
 * check the rules that span connections (one app per connection, unique names per project).
 */
import { parseScope } from '@wif/arm';
import { type Problem, validationError, type ValidationError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ConnectionTarget } from '../steps/createManualConnection';
import { defaultUniqueName } from '../steps/registerApp';
import { validate } from '../validation';
import { type ConnectionSpec, type PipelinesSpec, type RoleGrantSpec, type Spec, specSchema } from './schema';

/** One connection the spec wants, after environment sets are expanded and defaults applied. */
export interface DesiredConnection {
  /** `project/name`, lower-case: unique within a spec. */
  readonly key: string;
  readonly project: string;
  readonly name: string;
  readonly app: { readonly displayName: string; readonly uniqueName: string };
  readonly target: ConnectionTarget;
  readonly roles: readonly RoleGrantSpec[];
  readonly shareWith: readonly string[];
  readonly pipelines?: PipelinesSpec;
  readonly description?: string;
  /** Where in the spec this connection comes from, e.g. `environments[0].prod`. */
  readonly origin: string;
}

export interface ResolvedSpec {
  readonly organization: string;
  readonly tenantId: string;
  readonly cloud: 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';
  readonly connections: readonly DesiredConnection[];
}

/** Parses spec text (YAML is a superset of JSON, so both work). */
export function parseSpecText(text: string, source = 'spec'): Result<unknown, ValidationError> {
  try {
    return ok(parseYaml(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 }) as unknown);
  } catch (e) {
    const message = e instanceof YAMLParseError ? e.message.split('\n')[0] ?? 'invalid YAML' : 'invalid YAML or JSON';
    return err(validationError([{ path: source, message }]));
  }
}

function targetFor(c: ConnectionSpec, path: string, problems: Problem[]): ConnectionTarget | undefined {
  if (c.target) return c.target;
  const first = c.roles[0];
  const parsed = first ? parseScope(first.scope) : undefined;
  const subscriptionId = parsed?.isOk() ? parsed.value.subscriptionId : undefined;
  if (!subscriptionId) {
    problems.push({ path: `${path}.target`, message: 'cannot be derived (the first role is not within a subscription): give target explicitly' });
    return undefined;
  }
  return { level: 'subscription', subscriptionId, subscriptionName: c.subscriptionName ?? subscriptionId };
}

function expand(spec: Spec): { connections: DesiredConnection[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const connections: DesiredConnection[] = [];
  spec.connections?.forEach((c, i) => {
    const path = `connections[${i}]`;
    const target = targetFor(c, path, problems);
    if (!target) return;
    const app = typeof c.app === 'string' ? { displayName: c.app } : c.app;
    connections.push({
      key: `${c.project}/${c.name}`.toLowerCase(),
      project: c.project,
      name: c.name,
      app: { displayName: app.displayName, uniqueName: app.uniqueName ?? defaultUniqueName(app.displayName) },
      target,
      roles: c.roles,
      shareWith: c.shareWith ?? [],
      ...(c.pipelines !== undefined ? { pipelines: c.pipelines } : {}),
      ...(c.description !== undefined ? { description: c.description } : {}),
      origin: path,
    });
  });
  spec.environments?.forEach((e, i) => {
    const appPrefix = e.appPrefix ?? e.name;
    const rg = (name: string): string => `/subscriptions/${e.subscriptionId}/resourceGroups/${name}`;
    const target: ConnectionTarget = { level: 'subscription', subscriptionId: e.subscriptionId, subscriptionName: e.subscriptionName ?? e.subscriptionId };
    const make = (suffix: string, role: string, scope: string, pipelines: PipelinesSpec | undefined, origin: string): DesiredConnection => {
      const displayName = `${appPrefix}-${suffix}`;
      return {
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
    connections.push(make('dev', 'Contributor', rg(e.dev.resourceGroup), e.dev.pipelines, `${path}.dev`));
    connections.push(make('prod', 'Contributor', rg(e.prod.resourceGroup), e.prod.pipelines, `${path}.prod`));
    if (e.readonly !== false) {
      connections.push(make('prod-readonly', 'Reader', rg(e.prod.resourceGroup), e.readonly?.pipelines, `${path}.readonly`));
    }
  });

  // Rules across connections: unique names per project, one app per connection.
  const byKey = new Map<string, string>();
  const byApp = new Map<string, string>();
  for (const c of connections) {
    const seen = byKey.get(c.key);
    if (seen) problems.push({ path: c.origin, message: `connection "${c.name}" in project "${c.project}" is also defined at ${seen}` });
    else byKey.set(c.key, c.origin);
    const app = c.app.uniqueName.toLowerCase();
    const owner = byApp.get(app);
    if (owner) problems.push({ path: `${c.origin}.app`, message: `app "${c.app.uniqueName}" is also used by ${owner}: one app per connection, always` });
    else byApp.set(app, c.origin);
    if (c.shareWith.some((p) => p.toLowerCase() === c.project.toLowerCase())) {
      problems.push({ path: `${c.origin}.shareWith`, message: 'must not name the owning project' });
    }
  }
  return { connections, problems };
}

/** Validates a parsed spec object and expands it. Every problem is reported at once; nothing is sent. */
export function resolveSpec(input: unknown): Result<ResolvedSpec, ValidationError> {
  const valid = validate(specSchema, input);
  if (valid.isErr()) return err(valid.error);
  const spec = valid.value;
  const { connections, problems } = expand(spec);
  if (problems.length > 0) return err(validationError(problems));
  return ok({ organization: spec.organization, tenantId: spec.tenantId, cloud: spec.cloud ?? 'AzureCloud', connections });
}

/** Parses and resolves spec text (YAML or JSON). */
export function loadSpec(text: string, source = 'spec'): Result<ResolvedSpec, ValidationError> {
  return parseSpecText(text, source).andThen(resolveSpec);
}
