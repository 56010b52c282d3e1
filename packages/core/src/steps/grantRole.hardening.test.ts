/**
 * Issue 12: when ARM answers RoleAssignmentExists, the step adopts the assignment at the requested
 * scope only, never one inherited from a parent scope that the same list returns.
 */
import { BUILT_IN_ROLES } from '@wif/arm';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { grantRole } from './grantRole';

const { fake, clients } = useFake({ reset: 'file', clients: createClients });
const { arm } = clients;
const SUB_SCOPE = '/subscriptions/11111111-2222-3333-4444-555555555555';
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/rg-app-prod`;
const READER = BUILT_IN_ROLES.Reader;

describe('grantRole over an assignment made by hand', () => {
  it('adopts the one at the requested scope, not the inherited one listed first', async () => {
    const app = fake.state.addApplication({ displayName: 'ado-one' });
    const principalId = fake.state.addServicePrincipal({ appId: app.appId }).id;
    // Inherited from the subscription, created first so that a list returns it first.
    const inherited = fake.state.addRoleAssignment({ scope: SUB_SCOPE, roleDefinitionId: READER, principalId });
    const atScope = fake.state.addRoleAssignment({ scope: RG_SCOPE, roleDefinitionId: READER, principalId });
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Reader', principalId });
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('unchanged');
    expect(value.scope.toLowerCase()).toBe(RG_SCOPE.toLowerCase());
    expect(value.name).toBe(atScope.name);
    expect(value.name).not.toBe(inherited.name);
  });
});
