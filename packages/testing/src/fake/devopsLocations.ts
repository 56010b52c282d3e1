/**
 * Azure DevOps resource-location discovery in the fake: what `azure-devops-node-api` (and the .NET
 * and Python clients) ask before their first call. `OPTIONS {org}/_apis/{area}` lists the resource
 * locations of an area (id, route template, api-version range); `GET {org}/_apis/ResourceAreas`
 * says at which URL each area lives. A client builds every URL from the route template of a
 * location id and negotiates the api-version from the range, so both must be the real ones.
 *
 * Location and resource-area ids, route values and areas: azure-devops-node-api 17.0.1
 * (`CoreApi.js`, `ServiceEndpointApiBase.js`, `TaskApi.js`, `LocationsApi.js`, `WebApi.js`);
 * https://learn.microsoft.com/en-us/rest/api/azure/devops/location/resource-areas/list?view=azure-devops-rest-7.1
 *
 * The ranges advertise what the fake implements (api-version 7.1 and the 7.1 previews), the way an
 * Azure DevOps Server that is older than the client does: a 7.2 client then negotiates down to 7.1.
 * Pipeline permissions and checks have no location in any official client (no ids to cite), so
 * they are not listed; clients call them by path.
 */
import { json } from './_respond';
import type { FakeRoute, FakeRuntime } from './options';

/** One resource location, as `OPTIONS _apis/{area}` returns it. */
export interface ApiResourceLocation {
  readonly id: string;
  readonly area: string;
  readonly resourceName: string;
  readonly routeTemplate: string;
  readonly resourceVersion: number;
  readonly minVersion: string;
  readonly maxVersion: string;
  readonly releasedVersion: string;
}

const released = (
  resourceVersion: number,
): Pick<ApiResourceLocation, 'resourceVersion' | 'minVersion' | 'maxVersion' | 'releasedVersion'> => ({
  resourceVersion,
  minVersion: '1.0',
  maxVersion: '7.1',
  releasedVersion: '7.1',
});
/** Preview only (released "0.0"): a client asking 7.2-preview.N negotiates 7.1-preview.N. */
const preview = (
  resourceVersion: number,
): Pick<ApiResourceLocation, 'resourceVersion' | 'minVersion' | 'maxVersion' | 'releasedVersion'> => ({
  resourceVersion,
  minVersion: '1.0',
  maxVersion: '7.1',
  releasedVersion: '0.0',
});

/** The locations of every area the fake serves. */
export const RESOURCE_LOCATIONS: readonly ApiResourceLocation[] = [
  {
    id: 'e81700f7-3be2-46de-8624-2eb35882fcaa',
    area: 'Location',
    resourceName: 'ResourceAreas',
    routeTemplate: '_apis/{resource}/{areaId}',
    ...preview(1),
  },
  {
    id: '00d9565f-ed9c-4a06-9a50-00e7896ccab4',
    area: 'Location',
    resourceName: 'ConnectionData',
    routeTemplate: '_apis/{resource}',
    ...preview(1),
  },
  {
    id: '603fe2ac-9723-48b9-88ad-09305aa6c6e1',
    area: 'core',
    resourceName: 'projects',
    routeTemplate: '_apis/{resource}/{*projectId}',
    ...released(4),
  },
  {
    id: '14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0',
    area: 'serviceendpoint',
    resourceName: 'endpoints',
    routeTemplate: '_apis/{area}/{resource}/{endpointId}',
    ...released(4),
  },
  {
    id: 'e85f1c62-adfc-4b74-b618-11a150fb195e',
    area: 'serviceendpoint',
    resourceName: 'endpoints',
    routeTemplate: '{project}/_apis/{area}/{resource}/{endpointId}',
    ...released(4),
  },
  {
    id: '69a319f4-28c1-4bfd-93e6-ea0ff5c6f1a2',
    area: 'distributedtask',
    resourceName: 'oidctoken',
    routeTemplate: '{scopeIdentifier}/_apis/{area}/hubs/{hubName}/plans/{planId}/jobs/{jobId}/{resource}',
    ...preview(1),
  },
];

/** Resource areas (id → name) whose clients look their URL up first (`WebApi.get…Api`). */
export const RESOURCE_AREAS: readonly { readonly id: string; readonly name: string }[] = [
  { id: '79134c72-4a58-4b42-976c-04e7115f32bf', name: 'core' },
  { id: '1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7', name: 'serviceendpoint' },
  { id: '5264459e-e5e0-4bd8-b118-0985e68a4ec5', name: 'pipelines' },
  { id: 'a85b8835-c1a1-4aac-ae97-1c3d0ba72dbd', name: 'distributedtask' },
];

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function devopsLocationRoutes(rt: FakeRuntime): FakeRoute[] {
  const org = escapeRe(rt.state.organization);
  return [
    {
      method: 'OPTIONS',
      pattern: new RegExp(`^/${org}/_apis(?:/([^/]+))?/?$`, 'i'),
      operation: 'locations.options',
      handle: (ctx) => {
        const area = ctx.params[0]?.toLowerCase() ?? '';
        const value = RESOURCE_LOCATIONS.filter((l) => area === '' || l.area.toLowerCase() === area);
        return json({ count: value.length, value });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/${org}/_apis/ResourceAreas/?$`, 'i'),
      operation: 'resourceAreas.list',
      apiVersion: '7.1-preview.1',
      handle: () => {
        // Every area the fake serves lives at the organization URL (on dev.azure.com some areas live
        // on other hosts, e.g. vssps; the fake has one host).
        const locationUrl = `${rt.options.baseUrls.devops}/${rt.state.organization}/`;
        const value = RESOURCE_AREAS.map((a) => ({ id: a.id, name: a.name, locationUrl }));
        return json({ count: value.length, value });
      },
    },
  ];
}
