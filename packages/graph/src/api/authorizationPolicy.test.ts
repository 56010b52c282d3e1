import { createTestCredential, graphContractHandlers, makeTestToken } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { createGraphClient } from '../client';
import { getAuthorizationPolicy } from './authorizationPolicy';
import { decodeAccessTokenClaims } from './tokenClaims';

const { server, urls } = useContractServer(graphContractHandlers({ allowedToCreateApps: false }));

describe('getAuthorizationPolicy', () => {
  it('reads whether users may register applications', async () => {
    const graph = createGraphClient({ credential: createTestCredential() });
    const policy = (await getAuthorizationPolicy(graph))._unsafeUnwrap();
    expect(policy.defaultUserRolePermissions.allowedToCreateApps).toBe(false);
    expect(urls).toEqual(['https://graph.microsoft.com/v1.0/policies/authorizationPolicy']);
  });

  it('answers the official example by default', async () => {
    server.resetHandlers(...graphContractHandlers());
    const graph = createGraphClient({ credential: createTestCredential() });
    expect((await getAuthorizationPolicy(graph))._unsafeUnwrap()).toMatchObject({
      id: 'authorizationPolicy',
      defaultUserRolePermissions: { allowedToCreateApps: true },
    });
  });
});

describe('access token claims', () => {
  it('decodes scp, roles, wids and the caller, never the token', async () => {
    const credential = createTestCredential({ objectId: '11111111-2222-4333-8444-555555555555' });
    const graph = createGraphClient({ credential });
    const claims = (await graph.accessTokenClaims!())._unsafeUnwrap();
    expect(claims).toMatchObject({ oid: '11111111-2222-4333-8444-555555555555', appOnly: false });
    expect(claims.scp).toContain('Application.ReadWrite.All');
    expect(claims.wids).toBeUndefined();
    expect(JSON.stringify(claims)).not.toMatch(/eyJ/);
    expect(urls).toEqual([]);
  });

  it('tells an app-only token by idtyp and reads its roles and wids', () => {
    const token = makeTestToken('https://graph.microsoft.com/.default', {
      idtyp: 'app',
      roles: ['Application.ReadWrite.OwnedBy'],
      wids: ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
      appid: 'abc',
      scp: '',
    });
    expect(decodeAccessTokenClaims(token)).toMatchObject({
      appOnly: true,
      roles: ['Application.ReadWrite.OwnedBy'],
      wids: ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
      appId: 'abc',
      scp: [],
    });
  });

  it('answers undefined for something that is not a JWT', () => {
    expect(decodeAccessTokenClaims('opaque')).toBeUndefined();
    expect(decodeAccessTokenClaims('a.bm90IGpzb24.c')).toBeUndefined();
  });
});
