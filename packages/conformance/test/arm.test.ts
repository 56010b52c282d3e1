/**
 * @azure/arm-authorization (core-rest-pipeline underneath: bearer tokens only over https) against
 * the emulator's ARM. `credentialScopes` because the client would otherwise ask a token for
 * `{endpoint}/.default`; the audience stays ARM's, as in a sovereign cloud setup.
 */
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { createTestCredential, makeTestToken } from '@wif/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulator, health, type Health, unique } from './_emulator';

const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

describe('@azure/arm-authorization', () => {
  let h: Health;
  let client: AuthorizationManagementClient;
  beforeAll(async () => {
    h = await health();
    client = new AuthorizationManagementClient(createTestCredential(), h.subscriptionId, {
      endpoint: `${emulator.url}/arm`,
      credentialScopes: ['https://management.azure.com/.default'],
    });
  });

  it('lists role definitions', async () => {
    const names: string[] = [];
    for await (const d of client.roleDefinitions.list(`/subscriptions/${h.subscriptionId}`, { filter: "roleName eq 'Reader'" })) {
      names.push(d.roleName ?? '');
    }
    expect(names).toEqual(['Reader']);
  });

  it('creates, reads, lists with $filter and deletes a role assignment', async () => {
    const res = await fetch(`${emulator.url}/graph/v1.0/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${makeTestToken('https://graph.microsoft.com/.default')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: unique('conformance-arm') }),
    });
    const app = (await res.json()) as { appId: string };
    const spRes = await fetch(`${emulator.url}/graph/v1.0/servicePrincipals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${makeTestToken('https://graph.microsoft.com/.default')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ appId: app.appId }),
    });
    const sp = (await spRes.json()) as { id: string };

    const scope = `/subscriptions/${h.subscriptionId}/resourceGroups/rg-conformance`;
    const name = crypto.randomUUID();
    const roleDefinitionId = `/subscriptions/${h.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${READER}`;
    const created = await client.roleAssignments.create(scope, name, {
      roleDefinitionId,
      principalId: sp.id,
      principalType: 'ServicePrincipal',
    });
    expect(created).toMatchObject({ name, principalId: sp.id, scope });
    // ARM answers with the definition's id at the subscription or at the tenant root (both are seen).
    expect(created.roleDefinitionId).toMatch(new RegExp(`/providers/Microsoft\\.Authorization/roleDefinitions/${READER}$`));

    const read = await client.roleAssignments.get(scope, name);
    expect(read.id).toBe(created.id);

    const listed: string[] = [];
    for await (const a of client.roleAssignments.listForScope(`/subscriptions/${h.subscriptionId}`, {
      filter: `principalId eq '${sp.id}'`,
    })) {
      listed.push(a.name ?? '');
    }
    expect(listed).toEqual([name]);

    await client.roleAssignments.delete(scope, name);
    await expect(client.roleAssignments.get(scope, name)).rejects.toMatchObject({ statusCode: 404, code: 'RoleAssignmentNotFound' });
  });

  it('gets ARM’s own error for a bad request (unknown role definition)', async () => {
    const scope = `/subscriptions/${h.subscriptionId}`;
    await expect(
      client.roleAssignments.create(scope, crypto.randomUUID(), {
        roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-00000000dead`,
        principalId: '00000000-0000-0000-0000-00000000beef',
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
