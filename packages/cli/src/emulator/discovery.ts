/**
 * Switches off what official clients discover before their first call, for one test: the one
 * that proves the conformance suite really exercises Azure DevOps location discovery and the
 * Entra OpenID configuration. Nothing else sets it.
 */
import type { Fake } from '@wif/testing';
import { EMULATOR_PATHS } from './layout';

/** A discovery document the emulator can leave out. */
export type DiscoveryFeature = 'locationDiscovery' | 'openidConfiguration';

const OPENID = /\/v2\.0\/\.well-known\/openid-configuration$/;
const RESOURCE_AREAS = /\/_apis\/resourceareas\/?$/i;

/** The fake's `handle`, answering 404 (as for any unknown route) for the switched-off documents. */
export function withDiscovery(fake: Fake, origin: string, off: ReadonlySet<DiscoveryFeature>): (request: Request) => Promise<Response> {
  if (off.size === 0) return (request) => fake.handle(request);
  return (request) => {
    const path = new URL(request.url).pathname;
    const devops = path.startsWith(`${EMULATOR_PATHS.devops}/`);
    const hidden =
      (off.has('locationDiscovery') && devops && (request.method === 'OPTIONS' || RESOURCE_AREAS.test(path))) ||
      (off.has('openidConfiguration') && path.startsWith(`${EMULATOR_PATHS.entra}/`) && OPENID.test(path));
    if (!hidden) return fake.handle(request);
    return Promise.resolve(Response.json({ message: `The emulator was started without ${origin}${path}.` }, { status: 404 }));
  };
}
