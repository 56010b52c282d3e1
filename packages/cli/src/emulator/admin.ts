/**
 * Emulator-only routes under `/_emulator` (no real service has them; docs/emulator.md):
 *
 * - `GET  /_emulator/health`: ready, with the layout, the organization, tenant, subscription and projects;
 * - `POST /_emulator/break-subject` `{ connection, project? }`: changes the letter case of the last
 *   segment of the subject on the connection's federated credential (on its app, or on its
 *   user-assigned managed identity) — the classic copy-paste mistake — so `wif verify` and a token
 *   exchange fail the way they do in Azure;
 * - `POST /_emulator/add-secret` `{ connection, project? }`: adds a client secret to the connection's
 *   app (metadata only, as Graph lists it), for the audit, verify and `sync --prune`;
 * - `POST /_emulator/run` `{ connection, project?, pipeline? }`: records a pipeline run that used the
 *   connection (its usage history), so that the migration's usage checks can be tried;
 * - `POST /_emulator/options` `{ latencyInMs?, throttleRate?, … }`: turns the fake's fault knobs;
 * - `POST /_emulator/permissions` `{ deny: [...], allowedToCreateApps?, appOnly? }`: plays a caller
 *   who lacks permissions (`{ deny: [] }` resets); `GET /_emulator/permissions` answers the deny list
 *   and the token claims that go with it (the CLI's emulator credential mints its tokens with them).
 */
import { addPasswordCredential, type Fake } from '@wif/testing';
import { emulatorEndpoints } from './layout';

const json = (body: unknown, status = 200): Response => Response.json(body, { status });
const problem = (status: number, message: string): Response =>
  json({ error: { code: status === 404 ? 'NotFound' : 'BadRequest', message } }, status);

const KNOBS = [
  'latencyInMs',
  'throttleRate',
  'serverErrorRate',
  'resetRate',
  'retryAfterSeconds',
  'replicationLagInMs',
  'ficPropagationInMs',
  'issuerMode',
  'armPageSize',
] as const;

async function body(request: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = await request.json();
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Flips the letter case of the last path segment (a change only a case-sensitive comparison sees). */
export function breakSubject(subject: string): string {
  const flipped = subject.replace(/[^/]+$/, (seg) => (seg === seg.toUpperCase() ? seg.toLowerCase() : seg.toUpperCase()));
  return flipped === subject ? `${subject}-broken` : flipped;
}

type Endpoint = ReturnType<Fake['state']['serviceEndpoints']>[number];
type Project = NonNullable<ReturnType<Fake['state']['project']>>;

/** The connection `{ connection, project? }` names (in that project, when given), or the answer refusing it. */
function namedConnection(fake: Fake, input: Record<string, unknown>, usage: string): { endpoint: Endpoint; project?: Project } | Response {
  const { state } = fake;
  const name = input['connection'];
  if (typeof name !== 'string') return problem(400, `Give ${usage}.`);
  const project = typeof input['project'] === 'string' ? state.project(input['project']) : undefined;
  if (typeof input['project'] === 'string' && !project) return problem(404, `No project ${input['project']}.`);
  const endpoint = state
    .serviceEndpoints()
    .find((e) => e.name.toLowerCase() === name.toLowerCase() && (!project || e.projectReferences.some((r) => r.projectId === project.id)));
  if (!endpoint) return problem(404, `No service connection named ${name}${project ? ` in ${project.name}` : ''}.`);
  return project ? { endpoint, project } : { endpoint };
}

/**
 * Records a pipeline run that used the connection, as the agent reports it to Azure DevOps: what the
 * connection's usage history (`executionhistory`) then lists, so that `wif migrate status --usage`,
 * finish and rollback can be tried here. The pipeline does not run.
 */
function recordRun(fake: Fake, input: Record<string, unknown>): Response {
  const found = namedConnection(fake, input, '{ "connection": "<name>", "project"?: "<name>", "pipeline"?: "<name>" }');
  if (found instanceof Response) return found;
  const { endpoint } = found;
  const pipeline = input['pipeline'] ?? 'emulated-pipeline';
  if (typeof pipeline !== 'string' || !/^[\w .-]{1,100}$/.test(pipeline))
    return problem(400, 'pipeline must be a name of letters, digits, spaces, dots, dashes or underscores (1-100).');
  const project = found.project ?? fake.state.project(endpoint.projectReferences[0]!.projectId)!;
  // A stable definition id per pipeline name, as Azure DevOps gives each pipeline one.
  let definitionId = 7;
  for (let i = 0; i < pipeline.length; i++) definitionId = (definitionId * 31 + pipeline.charCodeAt(i)) % 9999;
  definitionId += 1;
  const run = fake.state.addServiceEndpointExecution(endpoint.id, {
    project: project.id,
    definition: { id: definitionId, name: pipeline },
  });
  return json({
    connection: endpoint.name,
    connectionId: endpoint.id,
    project: project.name,
    pipeline,
    run: run.owner.name,
    startTime: run.startTime,
  });
}

/**
 * Adds a client secret to the app of a connection (what someone does in the portal to try a token
 * by hand), as Graph's addPassword does: the app lists its key id, display name, dates and hint;
 * its text is made and dropped (nobody receives it). `wif audit` then reports `AppHasSecret`, `wif verify` warns,
 * and on an app wif made `wif sync --prune` removes it.
 */
function addSecret(fake: Fake, input: Record<string, unknown>): Response {
  const { state } = fake;
  const found = namedConnection(fake, input, '{ "connection": "<name>", "project"?: "<name>" }');
  if (found instanceof Response) return found;
  const { endpoint } = found;
  const app = state.applicationByAppId(endpoint.parameters['serviceprincipalid'] ?? '');
  if (!app) return problem(400, `${endpoint.name} has no app registration (a managed identity holds no client secret).`);
  const now = Date.now();
  // As Graph's addPassword does (the secret text is made, and dropped here: nobody needs it).
  const { metadata } = addPasswordCredential(state, app, {
    displayName: 'added in the emulator',
    keyId: globalThis.crypto.randomUUID(),
    nowMs: now,
    endMs: now + 180 * 24 * 3600 * 1000,
  });
  return json({
    connection: endpoint.name,
    connectionId: endpoint.id,
    appObjectId: app.id,
    keyId: metadata.keyId,
    endDateTime: metadata.endDateTime,
  });
}

function breakConnection(fake: Fake, input: Record<string, unknown>): Response {
  const { state } = fake;
  const found = namedConnection(fake, input, '{ "connection": "<name>", "project"?: "<name>" }');
  if (found instanceof Response) return found;
  const { endpoint } = found;
  const fed = state.federation(endpoint.id);
  if (!fed) return problem(400, `${endpoint.name} does not use workload identity federation.`);
  const clientId = endpoint.parameters['serviceprincipalid'] ?? '';
  const matches = (c: { issuer: string; subject: string }): boolean => c.issuer === fed.issuer && c.subject === fed.subject;
  const app = state.applicationByAppId(clientId);
  const credential = app ? state.federatedCredentials(app.id).find(matches) : undefined;
  if (app && credential) {
    const before = credential.subject;
    credential.subject = breakSubject(before);
    return json({
      connection: endpoint.name,
      connectionId: endpoint.id,
      appObjectId: app.id,
      credential: credential.name,
      before,
      after: credential.subject,
    });
  }
  // A connection on a user-assigned managed identity: its credential is on the identity (ARM).
  const identity = app ? undefined : state.governance.managedIdentityByClientId(clientId);
  const onIdentity = identity ? [...identity.credentials.values()].find(matches) : undefined;
  if (!identity || !onIdentity) return problem(400, `${endpoint.name} has no working federated credential to break.`);
  const before = onIdentity.subject;
  onIdentity.subject = breakSubject(before);
  return json({
    connection: endpoint.name,
    connectionId: endpoint.id,
    identity: { subscriptionId: identity.subscriptionId, resourceGroup: identity.resourceGroup, name: identity.name },
    credential: onIdentity.name,
    before,
    after: onIdentity.subject,
  });
}

/** The scope of each service's tokens (what the CLI's clients ask the credential for). */
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const ARM_SCOPE = 'https://management.azure.com/.default';

function permissionsView(fake: Fake) {
  return {
    deny: fake.deniedPermissions,
    // What a token of the caller carries: Graph claims, and those of every other service.
    claims: { graph: fake.callerClaims(GRAPH_SCOPE), other: fake.callerClaims(ARM_SCOPE) },
  };
}

/**
 * Why an admin request is refused, or `undefined`. A web page the user visits can send requests to
 * 127.0.0.1 (CSRF with a `text/plain` POST) or reach it under its own name (DNS rebinding): the
 * Host must be a loopback name, an Origin must be the emulator's own, and a POST must be JSON.
 */
export function adminRequestProblem(request: Request, origin: string, rawHost?: string): Response | undefined {
  // A Request drops `Host` (a forbidden header name): the server hands in the one it received.
  const host = (rawHost ?? request.headers.get('host') ?? '').toLowerCase();
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (hostname !== 'localhost' && hostname !== '[::1]' && !/^127(?:\.\d{1,3}){3}$/.test(hostname ?? ''))
    return problem(403, 'Emulator admin routes answer only a loopback Host (127.0.0.1, localhost or [::1]).');
  const from = request.headers.get('origin');
  if (from !== null && from !== origin && from.replace('localhost', '127.0.0.1') !== origin)
    return problem(403, `Emulator admin routes refuse requests from another origin (${from}).`);
  if (request.method !== 'GET' && !/^application\/json\b/i.test(request.headers.get('content-type') ?? ''))
    return problem(415, 'Emulator admin routes take JSON: send Content-Type: application/json.');
  return undefined;
}

/** Answers a request under `/_emulator`. */
export async function handleAdmin(fake: Fake, request: Request, origin: string, host?: string): Promise<Response> {
  const refused = adminRequestProblem(request, origin, host);
  if (refused) return refused;
  const route = `${request.method} ${new URL(request.url).pathname}`;
  switch (route) {
    case 'GET /_emulator/health':
      return json({
        status: 'ok',
        url: origin,
        endpoints: emulatorEndpoints(origin),
        organization: fake.state.organization,
        tenantId: fake.state.tenantId,
        subscriptionId: fake.state.subscriptionId,
        // What a pipeline job knows as System.TeamProjectId: `wif verify --exchange` needs it for the OIDC route.
        projects: fake.state.projects().map((p) => ({ id: p.id, name: p.name })),
      });
    case 'POST /_emulator/run': {
      const input = await body(request);
      return input ? recordRun(fake, input) : problem(400, 'The body must be a JSON object.');
    }
    case 'POST /_emulator/add-secret': {
      const input = await body(request);
      return input ? addSecret(fake, input) : problem(400, 'The body must be a JSON object.');
    }
    case 'POST /_emulator/break-subject': {
      const input = await body(request);
      return input ? breakConnection(fake, input) : problem(400, 'The body must be a JSON object.');
    }
    case 'POST /_emulator/options': {
      const input = await body(request);
      if (!input) return problem(400, 'The body must be a JSON object.');
      const unknown = Object.keys(input).filter((k) => !(KNOBS as readonly string[]).includes(k));
      if (unknown.length > 0) return problem(400, `Unknown or fixed option(s): ${unknown.join(', ')}. Allowed: ${KNOBS.join(', ')}.`);
      try {
        fake.setOptions(input);
      } catch (e) {
        return problem(400, (e as Error).message);
      }
      return json({ ok: true });
    }
    case 'GET /_emulator/permissions':
      return json(permissionsView(fake));
    case 'POST /_emulator/permissions': {
      const input = await body(request);
      if (!input || !Array.isArray(input['deny']))
        return problem(400, 'Give { "deny": ["arm:…", "devops:ServiceEndpoints/Create[@project]", "graph:…"] } ({ "deny": [] } resets).');
      const unknown = Object.keys(input).filter((k) => !['deny', 'allowedToCreateApps', 'appOnly'].includes(k));
      if (unknown.length > 0) return problem(400, `Unknown field(s): ${unknown.join(', ')}. Allowed: deny, allowedToCreateApps, appOnly.`);
      const flag = (k: string): boolean | undefined => (typeof input[k] === 'boolean' ? (input[k] as boolean) : undefined);
      try {
        const allowedToCreateApps = flag('allowedToCreateApps');
        const appOnly = flag('appOnly');
        fake.setPermissions({
          deny: input['deny'] as string[],
          ...(allowedToCreateApps !== undefined ? { allowedToCreateApps } : {}),
          ...(appOnly !== undefined ? { appOnly } : {}),
        });
      } catch (e) {
        return problem(400, (e as Error).message);
      }
      return json({ ok: true, ...permissionsView(fake) });
    }
    default:
      return problem(404, `No emulator route ${route}.`);
  }
}
