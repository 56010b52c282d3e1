import { readErrorBody } from '@wif/http';
import { loadFixture } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { applicationSchema } from './application';
import { federatedIdentityCredentialSchema } from './federatedIdentityCredential';
import { servicePrincipalSchema } from './servicePrincipal';
import { tokenResponseSchema } from './token';

/** The response body of an official example. */
const body = (name: string): unknown => loadFixture<{ response: { body: unknown } }>(name).response.body;
const noHeaders = (): undefined => undefined;

describe('the production schemas parse every official example', () => {
  it.each([
    'graph-v1.0-application-create.json',
    'graph-v1.0-application-upsert-create.json',
    'graph-v1.0-application-get-by-appId-select.json',
  ])('application: %s', (name) => {
    const parsed = applicationSchema.parse(body(name));
    expect(parsed.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.appId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('servicePrincipal: graph-v1.0-servicePrincipal-create.json', () => {
    expect(servicePrincipalSchema.parse(body('graph-v1.0-servicePrincipal-create.json'))).toMatchObject({
      id: '59e617e5-e447-4adc-8b88-00af644d7c92',
      appId: '65415bb1-9267-4313-bbf5-ae259732ee12',
    });
  });

  it("servicePrincipal: the fields of Get servicePrincipal's official example (servicePrincipalType null)", () => {
    // https://learn.microsoft.com/graph/api/serviceprincipal-get, example 1 (the fields wif reads, as documented).
    const documented = {
      appId: 'appId-value',
      appOwnerOrganizationId: '65415bb1-9267-4313-bbf5-ae259732ee12',
      displayName: 'My app instance in tenant',
      id: '00af5dfb-85da-4b41-a677-0c6b86dd34f8',
      servicePrincipalType: null,
      tags: [],
    };
    expect(servicePrincipalSchema.parse(documented)).toMatchObject({ id: documented.id, servicePrincipalType: null });
  });

  it.each(['graph-v1.0-federatedIdentityCredential-create.json', 'graph-v1.0-federatedIdentityCredential-upsert.json'])(
    'federatedIdentityCredential: %s',
    (name) => {
      expect(federatedIdentityCredentialSchema.parse(body(name)).audiences).toEqual(['api://AzureADTokenExchange']);
    },
  );

  it('federatedIdentityCredential list: graph-v1.0-federatedIdentityCredential-list.json', () => {
    const list = body('graph-v1.0-federatedIdentityCredential-list.json') as { value: unknown[] };
    expect(list.value.map((v) => federatedIdentityCredentialSchema.parse(v).name)).toEqual(['testing']);
  });

  it('token response: entra-token-success-example.json', () => {
    expect(tokenResponseSchema.parse(loadFixture('entra-token-success-example.json'))).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3599,
    });
  });

  it('Graph error body: graph-error-example.json', () => {
    const read = readErrorBody('graph', JSON.stringify(loadFixture('graph-error-example.json')), noHeaders);
    expect(read).toMatchObject({ code: 'invalidRange', requestId: 'request-id' });
  });

  it('Entra error body: entra-token-error-example.json', () => {
    const read = readErrorBody('entra', JSON.stringify(loadFixture('entra-token-error-example.json')), noHeaders);
    expect(read).toMatchObject({ code: 'invalid_scope', errorCodes: [70011], requestId: '0000aaaa-11bb-cccc-dd33-eeeeee333333' });
  });
});
