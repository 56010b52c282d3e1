import type { GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createTokenCaches, PersonalAccessTokenCredential } from '@wif/http';
import { createTestCredential, TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { checkAccess } from '../preflight';
import { loadSpec } from '../spec/load';
import { createAccessClients, prefetchTokens } from './_devopsClient';
import { apply } from './apply';
import { createClients } from './clients';
import { plan } from './plan';

const { fake, clientOptions } = useFake({ projects: ['platform'] });

const GRAPH = 'https://graph.microsoft.com/.default';
const ARM = 'https://management.azure.com/.default';
const DEVOPS = '499b84ac-1321-427f-aa17-267ca6975798/.default';

/** The test credential, counting what it is asked for (scope by scope), as `az` would run once per ask. */
function counting(): { credential: TokenCredential; asked: string[] } {
  const inner = createTestCredential();
  const asked: string[] = [];
  return {
    asked,
    credential: {
      getToken: (scope: string | string[], options?: GetTokenOptions) => {
        asked.push(String(scope));
        return inner.getToken(scope, options);
      },
    },
  };
}

/** One app-backed connection with one role: the run needs Graph, ARM and Azure DevOps. */
const SPEC = loadSpec(
  JSON.stringify({
    organization: 'contoso',
    tenantId: TEST_TENANT_ID,
    connections: [
      {
        project: 'platform',
        name: 'sc-tokens',
        app: 'ado-tokens',
        roles: [{ role: 'Reader', scope: '/subscriptions/11111111-2222-3333-4444-555555555555' }],
      },
    ],
  }),
)._unsafeUnwrap();

describe('tokens: each credential asked once per scope, and early when asked to', () => {
  it('a run as the CLI makes it (access check, plan with its preflight, apply) asks once per scope', async () => {
    const { credential, asked } = counting();
    const options = { ...clientOptions(), credential };
    const check = createAccessClients({ ...options, retry: { maxRetries: 0 } });
    expect((await checkAccess(check)).isOk()).toBe(true);
    const clients = createClients({ ...options, sameCaller: check });
    const p = (await plan(clients, SPEC))._unsafeUnwrap();
    expect(p.preflight).toBeDefined(); // the preflight read the caller's Graph token claims
    expect((await apply(clients, p))._unsafeUnwrap().ok).toBe(true);
    expect([...asked].sort()).toEqual([GRAPH, ARM, DEVOPS].sort());
  });

  it('separate sets of clients do not share tokens, unless they are given the same token caches', async () => {
    const { credential, asked } = counting();
    for (let i = 0; i < 2; i++) expect((await checkAccess(createClients({ ...clientOptions(), credential }))).isOk()).toBe(true);
    expect(asked).toEqual([DEVOPS, DEVOPS]);
    const tokens = createTokenCaches();
    for (let i = 0; i < 2; i++) expect((await checkAccess(createClients({ ...clientOptions(), credential, tokens }))).isOk()).toBe(true);
    expect(asked).toEqual([DEVOPS, DEVOPS, DEVOPS]);
  });

  it('prefetchTokens asks for every service’s token at once, before any request; the run then asks for none', async () => {
    const { credential, asked } = counting();
    const clients = createClients({ ...clientOptions(), credential });
    prefetchTokens(clients);
    expect([...asked].sort()).toEqual([GRAPH, ARM, DEVOPS].sort());
    expect(fake.requests).toEqual([]);
    expect((await plan(clients, SPEC)).isOk()).toBe(true);
    expect(asked).toHaveLength(3);
    prefetchTokens(clients); // the tokens are there: nothing asked again
    expect(asked).toHaveLength(3);
  });

  it('prefetchTokens asks only for the services named, never for Azure DevOps signed in with a PAT, and leaves other clients alone', () => {
    const { credential, asked } = counting();
    prefetchTokens(createClients({ ...clientOptions(), credential }), { services: ['arm'] });
    expect(asked).toEqual([ARM]);
    const pat = createClients({
      ...clientOptions(),
      credential,
      devopsCredential: new PersonalAccessTokenCredential('pat-0123456789abcdef'),
    });
    prefetchTokens(pat, { services: ['devops', 'graph'] });
    expect(asked).toEqual([ARM, GRAPH]);
    prefetchTokens({ devops: { ...pat.devops } }); // a client not made by createClients: nothing to ask
    expect(asked).toEqual([ARM, GRAPH]);
  });

  it('prefetchTokens keeps no failure: a request waiting for it reports it, the next one asks the credential again', async () => {
    let n = 0;
    const inner = createTestCredential();
    const credential: TokenCredential = {
      getToken: (scope, options) => (++n === 1 ? Promise.reject(new Error('not signed in')) : inner.getToken(scope, options)),
    };
    const check = createAccessClients({ ...clientOptions(), credential });
    prefetchTokens(check);
    expect(n).toBe(1);
    // A request that joins the prefetch in flight takes its answer (here, the failure, reported as
    // any failed sign-in is); once it has failed, the next request asks the credential again.
    expect((await checkAccess(check))._unsafeUnwrapErr()).toMatchObject({ kind: 'Authentication' });
    expect(n).toBe(1);
    expect((await checkAccess(check)).isOk()).toBe(true);
    expect(n).toBe(2);
  });
});
