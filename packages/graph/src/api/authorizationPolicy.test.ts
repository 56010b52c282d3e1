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

  it('reads the token the client sends: the credential is asked once for the claims and the requests', async () => {
    const inner = createTestCredential({ objectId: '11111111-2222-4333-8444-555555555555' });
    let asked = 0;
    const credential = {
      getToken: (scope: string | string[], options?: Parameters<typeof inner.getToken>[1]) => {
        asked++;
        return inner.getToken(scope, options);
      },
    };
    const graph = createGraphClient({ credential });
    expect((await graph.accessTokenClaims!())._unsafeUnwrap().oid).toBe('11111111-2222-4333-8444-555555555555');
    expect((await getAuthorizationPolicy(graph)).isOk()).toBe(true);
    expect((await graph.accessTokenClaims!()).isOk()).toBe(true);
    expect(asked).toBe(1);
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
