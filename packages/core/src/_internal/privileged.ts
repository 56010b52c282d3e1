/**
 * The privileged-role rule, on its own: the spec loader applies it without loading the ARM steps
 * (`wif` reads the spec before the rest of the SDK loads, decision 027).
 */
import { PRIVILEGED_ROLE_IDS } from '@wif/arm';
import { err, ok, type Result } from 'neverthrow';
import type { PrivilegedRoleRefusedError } from '../errors';
import type { WantedAssignment } from '../steps/grantRole';

/** The `PrivilegedRoleRefused` refusal, or ok. Pure; the only place the rule and its message live. @internal */
export function refusePrivileged(want: WantedAssignment): Result<void, PrivilegedRoleRefusedError> {
  const { scope } = want;
  if (
    PRIVILEGED_ROLE_IDS.has(want.guid) &&
    (scope.level === 'subscription' || scope.level === 'managementGroup') &&
    want.allowPrivileged !== true
  ) {
    return err({
      kind: 'PrivilegedRoleRefused',
      role: want.roleName,
      scope: scope.scope,
      message: `Refusing to assign ${want.roleName} at ${scope.level} scope ${scope.scope}: it can grant itself more access. Use a smaller scope or a narrower role; pass allowPrivileged: true only if the pipeline truly vends access.`,
    });
  }
  return ok(undefined);
}
