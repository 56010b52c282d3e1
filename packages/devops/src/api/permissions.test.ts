import { http, HttpResponse } from 'msw';
import { loadFixture } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { permissionEvaluationBatchSchema } from '../schemas/permissionEvaluation';
import { evaluatePermissions, SERVICE_ENDPOINT_PERMISSIONS, SERVICE_ENDPOINTS_NAMESPACE_ID, serviceEndpointToken } from './permissions';

const PROJECT_ID = 'eb6e4656-77fc-42a1-9181-4c6d8e9da5d1';
const ENDPOINT_ID = '5e47a0d8-c745-44f8-8f93-784f18ff31c4';
const denied = new Set([`endpoints/${PROJECT_ID}/${ENDPOINT_ID}`]);
const { server, seen } = useContractServer({ hasPermission: (_ns, token) => !denied.has(token) });

const create = {
  securityNamespaceId: SERVICE_ENDPOINTS_NAMESPACE_ID,
  token: serviceEndpointToken(PROJECT_ID),
  permissions: SERVICE_ENDPOINT_PERMISSIONS.Create,
};
const administer = {
  securityNamespaceId: SERVICE_ENDPOINTS_NAMESPACE_ID,
  token: serviceEndpointToken(PROJECT_ID, ENDPOINT_ID),
  permissions: SERVICE_ENDPOINT_PERMISSIONS.Administer,
};

describe('evaluatePermissions', () => {
  it('asks every question in one POST and answers one boolean per question, in order', async () => {
    const { client } = testClient();
    const answers = (await evaluatePermissions(client, [create, administer]))._unsafeUnwrap();
    expect(answers.map((a) => [a.token, a.permissions, a.value])).toEqual([
      [`endpoints/${PROJECT_ID}`, 4, true],
      [`endpoints/${PROJECT_ID}/${ENDPOINT_ID}`, 2, false],
    ]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url.href).toBe(`https://dev.azure.com/${ORG}/_apis/security/permissionevaluationbatch?api-version=7.1`);
    expect(JSON.parse(seen[0]!.body)).toEqual({ alwaysAllowAdministrators: false, evaluations: [create, administer] });
  });

  it('refuses bad questions before sending anything', async () => {
    const { client } = testClient();
    expect((await evaluatePermissions(client, []))._unsafeUnwrapErr().kind).toBe('Validation');
    const twoBits = await evaluatePermissions(client, [{ ...create, permissions: 6 }]);
    expect(twoBits._unsafeUnwrapErr()).toMatchObject({ kind: 'Validation', problems: [{ path: 'questions.0.permissions' }] });
    expect(seen).toHaveLength(0);
  });

  it('is InvalidResponse when the answers do not match the questions', async () => {
    server.use(
      http.post(`https://dev.azure.com/${ORG}/_apis/security/permissionevaluationbatch`, () =>
        HttpResponse.json({ evaluations: [{ ...administer, value: true }] }),
      ),
    );
    const { client } = testClient();
    expect((await evaluatePermissions(client, [create]))._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidResponse', service: 'devops' });
  });

  it('the contract handler refuses a body without evaluations, with the Azure DevOps error body', async () => {
    const { client } = testClient();
    const sent = await client.transport.send({
      method: 'POST',
      path: '/_apis/security/permissionevaluationbatch',
      query: { 'api-version': '7.1' },
      body: { evaluations: [] },
      operation: 'POST permissionevaluationbatch',
    });
    expect(sent._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'ArgumentException' });
  });

  it('parses the official example answer', () => {
    const example = loadFixture<{ responses: { '200': { body: unknown } } }>('ado-security-7.1-POST__permissionevaluationbatch.json');
    const parsed = permissionEvaluationBatchSchema.parse(example.responses['200'].body);
    expect(parsed.evaluations.map((e) => e.value)).toEqual([false, false, true]);
  });
});
