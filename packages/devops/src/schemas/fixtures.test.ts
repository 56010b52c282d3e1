/**
 * Every Azure DevOps fixture parses with the production schemas, and the spec still declares every
 * field and operation this package relies on: schemas, fixtures and spec cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { loadFixture } from '@wif/testing';
import type { ServiceEndpoint as AdoServiceEndpoint } from 'azure-devops-node-api/interfaces/ServiceEndpointInterfaces';
import type { TeamProjectReference as AdoTeamProjectReference } from 'azure-devops-node-api/interfaces/CoreInterfaces';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { workloadIdentity } from '../api/serviceEndpoints';
import { resourcePipelinePermissionsSchema } from './pipelinePermissions';
import { teamProjectListSchema, teamProjectReferenceSchema, type TeamProjectReference } from './project';
import {
  endpointAuthorizationSchema,
  type ServiceEndpoint,
  type ServiceEndpointCreate,
  serviceEndpointListSchema,
  serviceEndpointSchema,
} from './serviceEndpoint';
import { taskHubOidcTokenSchema } from './oidcToken';

type Json = Record<string, unknown>;
interface Example {
  parameters?: { body?: unknown };
  responses: Record<string, { body?: unknown }>;
}
interface Swagger {
  paths: Record<
    string,
    Record<string, { parameters: { name?: string; required?: boolean; $ref?: string }[]; 'x-ms-docs-override-version'?: string }>
  >;
  definitions: Record<string, { properties: Json }>;
}

const local = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../test/__fixtures__/${name}`, import.meta.url), 'utf8').replace(/^\uFEFF/, '')) as T;
const body = (name: string, status = '200'): unknown => loadFixture<Example>(name).responses[status]?.body;

describe('fixtures parse with the production schemas', () => {
  it.each([
    'ado-serviceEndpoint-7.1-CreateAzureRMEndpoint.json',
    'ado-serviceEndpoint-7.1-GetServiceEndpointDetails.json',
    'ado-serviceEndpoint-7.1-UpdateServiceEndpoint.json',
  ])('%s: the response is a ServiceEndpoint', (name) => {
    const parsed = serviceEndpointSchema.parse(body(name));
    expect(parsed.id).toMatch(/^[0-9a-f-]{36}$/);
    // Loose: what the schema does not name survives (createdBy._links), for GET-modify-PUT.
    expect(parsed.createdBy?.['_links']).toBeDefined();
  });

  it('the UpdateServiceEndpoint request body (a whole endpoint sent back) is a ServiceEndpoint, its secret nulled', () => {
    const sent = loadFixture<Example>('ado-serviceEndpoint-7.1-UpdateServiceEndpoint.json').parameters?.body as {
      authorization: { parameters: Record<string, string> };
    };
    // Everything survives the parse except the confidential value, which never reaches a Result.
    expect(serviceEndpointSchema.parse(sent)).toEqual({
      ...sent,
      authorization: { ...sent.authorization, parameters: { ...sent.authorization.parameters, password: null } },
    });
    expect(JSON.stringify(serviceEndpointSchema.parse(sent))).not.toContain('myupdatedpassword');
  });

  it.each([
    'ado-serviceEndpoint-7.1-GetServiceEndpointsByName.json',
    'ado-serviceEndpoint-7.1-ListEndpoints.json',
    'ado-serviceEndpoint-7.1-UpdateServiceEndpoints.json',
  ])('%s: the response is the {count,value} wrapper', (name) => {
    const parsed = serviceEndpointListSchema.parse(body(name));
    expect(parsed.value).toHaveLength(parsed.count ?? -1);
  });

  it('a confidential parameter returned as null parses', () => {
    const parsed = serviceEndpointSchema.parse(body('ado-serviceEndpoint-7.1-CreateAzureRMEndpoint.json'));
    expect(parsed.authorization?.parameters?.['serviceprincipalkey']).toBeNull();
  });

  it('the documented WIF create response parameters give issuer, subject and issuer type', () => {
    const parameters = loadFixture('ado-docs-wif-create-response-authorization-parameters.json');
    const authorization = endpointAuthorizationSchema.parse({ scheme: 'WorkloadIdentityFederation', parameters });
    expect(workloadIdentity({ authorization })).toEqual({
      issuer: 'https://login.microsoftonline.com/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0',
      subject: '<federation-subject>',
      issuerType: 'EntraID',
    });
  });

  it('the projects list example parses', () => {
    expect(teamProjectListSchema.parse(body('ado-core-7.1-GET__projects.json')).value).toHaveLength(3);
  });

  it('the pipeline permissions example parses', () => {
    const parsed = resourcePipelinePermissionsSchema.parse(
      local<Example>('approvalsAndChecks-7.1-PATCH__UpdatePipelinePermissionsForResource.json').responses['200']?.body,
    );
    expect(parsed.pipelines.map((p) => p.id)).toEqual([6, 15, 16]);
    expect(parsed.pipelines[0]?.authorizedBy?.id).toBe('3b3db741-9d03-4e32-a7c0-6c3dfc2013c1');
  });
});

describe('the spec still declares what this package uses', () => {
  const swagger = local<Swagger>('ado-serviceEndpoint-7.1-swagger.json');
  const version = (op: { parameters: { $ref?: string }[] }): string | undefined =>
    op.parameters.some((p) => p.$ref === '#/parameters/api-Version') ? '7.1' : undefined;
  const names = (op: { parameters: { name?: string }[] }): (string | undefined)[] => op.parameters.map((p) => p.name);

  it('serviceEndpoint 7.1: every field the schema names is a ServiceEndpoint property', () => {
    const properties = Object.keys(swagger.definitions['ServiceEndpoint']?.properties ?? {});
    expect(properties).toEqual(expect.arrayContaining(Object.keys(serviceEndpointSchema.shape)));
    expect(Object.keys(swagger.definitions['EndpointAuthorization']?.properties ?? {})).toEqual(
      expect.arrayContaining(Object.keys(endpointAuthorizationSchema.shape)),
    );
  });

  it('serviceEndpoint 7.1: the operations and parameters exist at api-version 7.1', () => {
    const org = swagger.paths['/{organization}/_apis/serviceendpoint/endpoints']!;
    const orgOne = swagger.paths['/{organization}/_apis/serviceendpoint/endpoints/{endpointId}']!;
    const project = swagger.paths['/{organization}/{project}/_apis/serviceendpoint/endpoints']!;
    const projectOne = swagger.paths['/{organization}/{project}/_apis/serviceendpoint/endpoints/{endpointId}']!;
    for (const op of [org['post']!, orgOne['put']!, orgOne['patch']!, orgOne['delete']!, project['get']!, projectOne['get']!]) {
      expect(version(op)).toBe('7.1');
    }
    expect(names(orgOne['delete']!)).toEqual(expect.arrayContaining(['projectIds', 'deep']));
    expect(orgOne['delete']!.parameters.find((p) => p.name === 'projectIds')?.required).toBe(true);
    expect(names(orgOne['put']!)).toContain('operation');
    expect(names(project['get']!)).toEqual(
      expect.arrayContaining(['endpointNames', 'type', 'authSchemes', 'includeFailed', 'includeDetails']),
    );
  });

  it('core 7.1: the project fields and the continuationToken parameter exist', () => {
    const excerpt = loadFixture<Swagger>('ado-core-7.1-projects-excerpt.json');
    const properties = Object.keys(excerpt.definitions['TeamProjectReference']?.properties ?? {});
    expect(properties).toEqual(expect.arrayContaining(Object.keys(teamProjectReferenceSchema.shape)));
    const list = excerpt.paths['/{organization}/_apis/projects']!['get']!;
    expect(names(list)).toEqual(expect.arrayContaining(['stateFilter', '$top', 'continuationToken']));
    expect(version(list)).toBe('7.1');
  });

  it('distributedTask 7.1: the oidctoken route, its query and response field exist at 7.1-preview.1', () => {
    const excerpt = loadFixture<Swagger>('ado-distributedTask-7.1-oidctoken-excerpt.json');
    const post =
      excerpt.paths['/{organization}/{scopeIdentifier}/_apis/distributedtask/hubs/{hubName}/plans/{planId}/jobs/{jobId}/oidctoken']![
        'post'
      ]!;
    expect(post['x-ms-docs-override-version']).toBe('7.1-preview.1');
    expect(names(post)).toContain('serviceConnectionId');
    expect(Object.keys(excerpt.definitions['TaskHubOidcToken']?.properties ?? {})).toEqual(Object.keys(taskHubOidcTokenSchema.shape));
  });
});

describe('types stay compatible with azure-devops-node-api where the payloads agree', () => {
  it('ServiceEndpoint scalars, ServiceEndpointCreate and TeamProjectReference', () => {
    type Scalars = 'id' | 'name' | 'type';
    expectTypeOf<Pick<ServiceEndpoint, Scalars>>().toExtend<Pick<AdoServiceEndpoint, Scalars>>();
    expectTypeOf<Pick<ServiceEndpointCreate, 'name' | 'type' | 'url' | 'isShared' | 'isReady'>>().toExtend<AdoServiceEndpoint>();
    expectTypeOf<Pick<TeamProjectReference, 'id' | 'name'>>().toExtend<AdoTeamProjectReference>();
  });
});
