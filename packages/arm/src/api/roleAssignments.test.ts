import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { armContractHandlers, createTestCredential, loadFixture, serviceError, type RequestLogEntry } from '@wif/testing';
import { createArmClient, type ArmClientOptions } from '../client';
import { BUILT_IN_ROLES, roleAssignmentName, roleDefinitionGuid, roleDefinitionIdForScope, subscriptionRoleDefinitionId } from '../roles';
import { parseScope } from '../scope';
import {
  createRoleAssignment,
  deleteRoleAssignment,
  deleteRoleAssignmentById,
  getRoleAssignment,
  listRoleAssignments,
} from './roleAssignments';

const BASE = 'https://management.azure.com';
const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const SP = '3f1a0c2e-8b7d-4e5f-9a6b-1c2d3e4f5a6b';
const CONTRIBUTOR = BUILT_IN_ROLES.Contributor;
const SCOPES = {
  managementGroup: '/providers/Microsoft.Management/managementGroups/mg-platform',
  subscription: `/subscriptions/${SUB}`,
  resourceGroup: `/subscriptions/${SUB}/resourceGroups/testrg`,
  resource: `/subscriptions/${SUB}/resourceGroups/testrg/providers/Microsoft.DocumentDb/databaseAccounts/test-db-account`,
} as const;
const AUTHZ = 'providers/Microsoft.Authorization/roleAssignments';

const { server, urls } = useContractServer(armContractHandlers());

const fast = { retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5, maxRetries: 2 } };
const arm = (options: Partial<ArmClientOptions> = {}) => createArmClient({ credential: createTestCredential(), ...fast, ...options });

function bodyFor(scope: string, principalId = SP) {
  return {
    roleDefinitionId: roleDefinitionIdForScope(parseScope(scope)._unsafeUnwrap(), CONTRIBUTOR),
    principalId,
    principalType: 'ServicePrincipal' as const,
  };
}

/** An ARM error response as the service shapes it; remembers its request id. */
function armError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  const response = serviceError('arm', status, code, message, headers);
  return { response, requestId: response.headers.get('x-ms-request-id') };
}

describe('createRoleAssignment', () => {
  it.each(Object.entries(SCOPES))('creates at %s scope, echoing scope, name, principal and role', async (_level, scope) => {
    const name = roleAssignmentName(scope, SP, CONTRIBUTOR);
    const credential = createTestCredential();
    const result = await createRoleAssignment(arm({ credential }), scope, name, { ...bodyFor(scope), description: 'wif: ado-connection' });

    const { created, assignment } = result._unsafeUnwrap();
    expect(created).toBe(true);
    expect(assignment).toMatchObject({
      id: `${scope}/${AUTHZ}/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: { scope, principalId: SP, principalType: 'ServicePrincipal', description: 'wif: ado-connection' },
    });
    expect(roleDefinitionGuid(assignment.properties.roleDefinitionId)).toBe(CONTRIBUTOR);
    expect(credential.requestedScopes).toEqual(['https://management.azure.com/.default']);
    expect(urls).toEqual([`${BASE}${scope}/${AUTHZ}/${name}?api-version=2022-04-01`]);
  });

  it('accepts a scope without the leading slash and never sends "//"', async () => {
    const scope = `subscriptions/${SUB}`;
    const name = roleAssignmentName(scope, SP, CONTRIBUTOR);
    const result = await createRoleAssignment(arm(), scope, name, bodyFor(scope));
    expect(result._unsafeUnwrap().assignment.properties.scope).toBe(`/${scope}`);
    expect(new URL(urls[0]!).pathname).toBe(`/${scope}/${AUTHZ}/${name}`);
  });

  it('reports created: false when the same assignment already exists under this name (200)', async () => {
    const existing = loadFixture<{ responses: { 200: { body: Record<string, unknown> } } }>(
      'arm-roleAssignments-2022-04-01-CreateForSubscription.json',
    ).responses[200].body;
    server.use(http.put(`${BASE}/*`, () => HttpResponse.json(existing, { status: 200 })));
    const result = await createRoleAssignment(
      arm(),
      SCOPES.subscription,
      '05c5a614-a7d6-4502-b150-c2fb455033ff',
      bodyFor(SCOPES.subscription),
    );
    expect(result._unsafeUnwrap()).toMatchObject({ created: false, assignment: { name: '05c5a614-a7d6-4502-b150-c2fb455033ff' } });
  });

  describe('the contract rejects a wrong request (so a client regression fails here)', () => {
    it('a token for another audience', async () => {
      const result = await createRoleAssignment(
        arm({ scope: 'https://graph.microsoft.com/.default' }),
        SCOPES.subscription,
        roleAssignmentName(SCOPES.subscription, SP, CONTRIBUTOR),
        bodyFor(SCOPES.subscription),
      );
      expect(result._unsafeUnwrapErr()).toMatchObject({
        kind: 'Unauthorized',
        status: 401,
        code: 'InvalidAuthenticationToken',
        retryable: false,
      });
    });

    it('another api-version', async () => {
      const client = arm();
      const path = `/subscriptions/${SUB}/${AUTHZ}/${roleAssignmentName(SCOPES.subscription, SP, CONTRIBUTOR)}`;
      const result = await client.transport.send({
        method: 'PUT',
        path,
        query: { 'api-version': '2020-04-01-preview' },
        body: { properties: bodyFor(SCOPES.subscription) },
        operation: 'PUT roleAssignment',
      });
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidApiVersionParameter' });
    });

    it('a body without principalId', async () => {
      const client = arm();
      const path = `/subscriptions/${SUB}/${AUTHZ}/${roleAssignmentName(SCOPES.subscription, SP, CONTRIBUTOR)}`;
      const { roleDefinitionId } = bodyFor(SCOPES.subscription);
      const result = await client.transport.send({
        method: 'PUT',
        path,
        query: { 'api-version': '2022-04-01' },
        body: { properties: { roleDefinitionId } },
        operation: 'PUT roleAssignment',
      });
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidRequestContent' });
    });

    it('a name that is not a GUID', async () => {
      const result = await createRoleAssignment(arm(), SCOPES.subscription, 'contributor-for-sp', bodyFor(SCOPES.subscription));
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidRoleAssignmentId', retryable: false });
    });

    it('a principal id that is not a GUID (e.g. an app name)', async () => {
      const result = await createRoleAssignment(
        arm(),
        SCOPES.subscription,
        roleAssignmentName(SCOPES.subscription, SP, CONTRIBUTOR),
        bodyFor(SCOPES.subscription, 'my-app'),
      );
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidPrincipalId' });
    });

    it('a role definition of another subscription', async () => {
      const body = {
        ...bodyFor(SCOPES.subscription),
        roleDefinitionId: subscriptionRoleDefinitionId('b925f2f7-5c63-4b7b-8799-25a5f97bc3b2', CONTRIBUTOR),
      };
      const result = await createRoleAssignment(arm(), SCOPES.subscription, roleAssignmentName(SCOPES.subscription, SP, CONTRIBUTOR), body);
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidRoleDefinitionId' });
    });

    it('a subscription-form role definition at a management group', async () => {
      const body = { ...bodyFor(SCOPES.managementGroup), roleDefinitionId: subscriptionRoleDefinitionId(SUB, CONTRIBUTOR) };
      const result = await createRoleAssignment(
        arm(),
        SCOPES.managementGroup,
        roleAssignmentName(SCOPES.managementGroup, SP, CONTRIBUTOR),
        body,
      );
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidRoleDefinitionId' });
    });

    it('a subscription id that is not a GUID', async () => {
      const scope = '/subscriptions/my-subscription';
      const body = { ...bodyFor(SCOPES.subscription), roleDefinitionId: subscriptionRoleDefinitionId('my-subscription', CONTRIBUTOR) };
      const result = await createRoleAssignment(arm(), scope, roleAssignmentName(scope, SP, CONTRIBUTOR), body);
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidSubscriptionId' });
    });
  });

  describe('maps the service errors', () => {
    const scope = SCOPES.resourceGroup;
    const name = roleAssignmentName(scope, SP, CONTRIBUTOR);
    const create = () => createRoleAssignment(arm(), scope, name, bodyFor(scope));

    it.each([
      [409, 'RoleAssignmentExists', 'The role assignment already exists.', 'Conflict'],
      [
        400,
        'PrincipalNotFound',
        `Principal ${SP} does not exist in the directory 72f988bf-86f1-41af-91ab-2d7cd011db47. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group. See https://aka.ms/docs-principaltype`,
        'BadRequest',
      ],
      [
        403,
        'AuthorizationFailed',
        `The client 'ci@contoso.com' with object id '0c5a3fa2-7d3b-4a41-9a1e-8f4b0b3d2c11' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${scope}/${AUTHZ}/${name}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        'Forbidden',
      ],
      [
        400,
        'RoleAssignmentUpdateNotPermitted',
        'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
        'BadRequest',
      ],
    ])('%i %s: once, not retried', async (status, code, message, kind) => {
      let calls = 0;
      let requestId: string | null = null;
      server.use(
        http.put(`${BASE}/*`, () => {
          calls++;
          const e = armError(status, code, message);
          requestId = e.requestId;
          return e.response;
        }),
      );
      const error = (await create())._unsafeUnwrapErr();
      expect(calls).toBe(1);
      expect(error).toMatchObject({ kind, service: 'arm', status, code, requestId, retryable: false, operation: 'PUT roleAssignment' });
      expect(requestId).toBeTruthy();
    });

    it('401 never shows the token', async () => {
      const tokens: string[] = [];
      const inner = createTestCredential();
      const credential = {
        getToken: async (...args: Parameters<typeof inner.getToken>) => {
          const t = await inner.getToken(...args);
          if (t) tokens.push(t.token);
          return t;
        },
      };
      server.use(
        http.put(
          `${BASE}/*`,
          ({ request }) =>
            armError(
              401,
              'ExpiredAuthenticationToken',
              `The access token expiry UTC time is earlier than current UTC time. ${request.headers.get('authorization')}`,
            ).response,
        ),
      );
      const error = (await createRoleAssignment(arm({ credential }), scope, name, bodyFor(scope)))._unsafeUnwrapErr();
      expect(error).toMatchObject({ kind: 'Unauthorized', status: 401, code: 'ExpiredAuthenticationToken', retryable: false });
      expect(tokens).toHaveLength(1);
      expect(JSON.stringify(error)).not.toContain(tokens[0]!);
      expect(JSON.stringify(error)).not.toContain(tokens[0]!.split('.')[1]!);
    });

    it('429 with Retry-After is retried, then the request goes through', async () => {
      let calls = 0;
      server.use(
        http.put(`${BASE}/*`, () =>
          ++calls <= 2 ? armError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '0' }).response : undefined,
        ),
      );
      const result = await create();
      expect(calls).toBe(3);
      expect(result._unsafeUnwrap().created).toBe(true);
    });

    it('429 that persists ends after the bounded retries as Throttled', async () => {
      let calls = 0;
      server.use(
        http.put(`${BASE}/*`, () => (calls++, armError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '0' }).response)),
      );
      const error = (await create())._unsafeUnwrapErr();
      expect(calls).toBe(1 + fast.retry.maxRetries);
      expect(error).toMatchObject({ kind: 'Throttled', status: 429, code: 'TooManyRequests', retryable: true, retryAfterInMs: 0 });
    });

    it('429 asking for longer than we wait is returned at once with retryAfterInMs', async () => {
      let calls = 0;
      server.use(
        http.put(`${BASE}/*`, () => (calls++, armError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '120' }).response)),
      );
      const error = (await create())._unsafeUnwrapErr();
      expect(calls).toBe(1);
      expect(error).toMatchObject({ kind: 'Throttled', retryable: true, retryAfterInMs: 120_000 });
    });

    it('503 is retried, then the request goes through', async () => {
      let calls = 0;
      server.use(
        http.put(`${BASE}/*`, () =>
          ++calls === 1 ? armError(503, 'ServiceUnavailable', 'The service is unavailable.').response : undefined,
        ),
      );
      expect((await create()).isOk()).toBe(true);
      expect(calls).toBe(2);
    });

    it('500 that persists ends as ServiceUnavailable, retryable', async () => {
      let calls = 0;
      let requestId: string | null = null;
      server.use(
        http.put(`${BASE}/*`, () => {
          calls++;
          const e = armError(500, 'InternalServerError', 'Encountered internal server error.');
          requestId = e.requestId;
          return e.response;
        }),
      );
      const error = (await create())._unsafeUnwrapErr();
      expect(calls).toBe(1 + fast.retry.maxRetries);
      expect(error).toMatchObject({ kind: 'ServiceUnavailable', status: 500, code: 'InternalServerError', requestId, retryable: true });
    });

    it('an aborted call sends nothing and says Aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = (await createRoleAssignment(arm(), scope, name, bodyFor(scope), { abortSignal: controller.signal }))._unsafeUnwrapErr();
      expect(error.kind).toBe('Aborted');
      expect(urls).toEqual([]);
    });
  });
});

describe('getRoleAssignment', () => {
  it('reads an assignment by scope and name', async () => {
    const name = 'b0f43c54-e787-4862-89b1-a653fa9cf747';
    const assignment = (await getRoleAssignment(arm(), SCOPES.resource, name))._unsafeUnwrap();
    expect(assignment).toMatchObject({ id: `${SCOPES.resource}/${AUTHZ}/${name}`, name, properties: { scope: SCOPES.resource } });
    expect(urls).toEqual([`${BASE}${SCOPES.resource}/${AUTHZ}/${name}?api-version=2022-04-01`]);
  });

  it('maps 404 RoleAssignmentNotFound to NotFound', async () => {
    server.use(http.get(`${BASE}/*`, () => armError(404, 'RoleAssignmentNotFound', 'The role assignment does not exist.').response));
    const error = (await getRoleAssignment(arm(), SCOPES.subscription, 'b0f43c54-e787-4862-89b1-a653fa9cf747'))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'NotFound', status: 404, code: 'RoleAssignmentNotFound', retryable: false });
  });
});

describe('deleteRoleAssignment', () => {
  const name = 'b0f43c54-e787-4862-89b1-a653fa9cf747';

  it('returns the deleted assignment (200)', async () => {
    const deleted = (await deleteRoleAssignment(arm(), SCOPES.managementGroup, name))._unsafeUnwrap();
    expect(deleted).toMatchObject({ name, properties: { scope: SCOPES.managementGroup } });
    expect(urls).toEqual([`${BASE}${SCOPES.managementGroup}/${AUTHZ}/${name}?api-version=2022-04-01`]);
  });

  it('returns undefined when it was already gone (204)', async () => {
    server.use(http.delete(`${BASE}/*`, () => new HttpResponse(null, { status: 204 })));
    expect((await deleteRoleAssignment(arm(), SCOPES.subscription, name))._unsafeUnwrap()).toBeUndefined();
  });

  it('deletes by fully-qualified id', async () => {
    const id = `${SCOPES.resourceGroup}/${AUTHZ}/${name}`;
    const deleted = (await deleteRoleAssignmentById(arm(), id))._unsafeUnwrap();
    expect(deleted?.id).toBe(id);
    expect(urls).toEqual([`${BASE}${id}?api-version=2022-04-01`]);
  });

  it('maps 403 AuthorizationFailed to Forbidden', async () => {
    server.use(
      http.delete(
        `${BASE}/*`,
        () =>
          armError(
            403,
            'AuthorizationFailed',
            "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/delete'.",
          ).response,
      ),
    );
    const error = (await deleteRoleAssignmentById(arm(), `${SCOPES.subscription}/${AUTHZ}/${name}`))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'Forbidden', code: 'AuthorizationFailed', retryable: false, operation: 'DELETE roleAssignment' });
  });
});

describe('listRoleAssignments', () => {
  async function all(iterable: AsyncIterable<{ isErr(): boolean; _unsafeUnwrap(): readonly unknown[] }>) {
    const pages: unknown[][] = [];
    for await (const page of iterable) pages.push([...page._unsafeUnwrap()]);
    return pages;
  }

  it('lists at a resource group, including what is inherited from the subscription', async () => {
    const pages = await all(listRoleAssignments(arm(), SCOPES.resourceGroup));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.map((a) => (a as { properties: { scope: string } }).properties.scope)).toEqual([
      SCOPES.subscription,
      SCOPES.resourceGroup,
    ]);
    expect(urls).toEqual([`${BASE}${SCOPES.resourceGroup}/${AUTHZ}?api-version=2022-04-01`]);
  });

  it.each([
    [{ principalId: SP }, `principalId eq '${SP}'`],
    [{ atScope: true }, 'atScope()'],
    [{ atScope: true, principalId: SP }, `atScope() and principalId eq '${SP}'`],
  ])('sends the query %j as the filter %s', async (query, filter) => {
    const pages = await all(listRoleAssignments(arm(), SCOPES.subscription, query));
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0]!);
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}${SCOPES.subscription}/${AUTHZ}`);
    expect([...url.searchParams]).toEqual([
      ['api-version', '2022-04-01'],
      ['$filter', filter],
    ]);
    expect(url.search).not.toContain('+');
    if ('principalId' in query) for (const a of pages.flat()) expect(a).toMatchObject({ properties: { principalId: SP } });
  });

  it('follows nextLink until the last page', async () => {
    const log: RequestLogEntry[] = [];
    server.use(...armContractHandlers({ pageSize: 1, onRequest: (e) => log.push(e) }));
    const pages = await all(listRoleAssignments(arm(), SCOPES.resourceGroup, { principalId: SP }));
    expect(pages.map((p) => p.length)).toEqual([1, 1]);
    expect(log.map((e) => [e.operation, e.status])).toEqual([
      ['RoleAssignments_ListForScope', 200],
      ['RoleAssignments_ListForScope', 200],
    ]);
    const second = new URL(urls[1]!);
    expect(second.searchParams.get('$skipToken')).toBe('1');
    expect(second.searchParams.get('$filter')).toBe(`principalId eq '${SP}'`);
  });

  it('ends with one Err when a page fails', async () => {
    let calls = 0;
    server.use(...armContractHandlers({ pageSize: 1 }));
    server.use(
      http.get(`${BASE}/*`, ({ request }) =>
        new URL(request.url).searchParams.has('$skipToken')
          ? (calls++, armError(403, 'AuthorizationFailed', 'No read access.').response)
          : undefined,
      ),
    );
    const results = [];
    for await (const page of listRoleAssignments(arm(), SCOPES.resourceGroup)) results.push(page);
    expect(results.map((r) => r.isOk())).toEqual([true, false]);
    expect(results[1]!._unsafeUnwrapErr()).toMatchObject({ kind: 'Forbidden', code: 'AuthorizationFailed' });
    expect(calls).toBe(1);
  });
});
