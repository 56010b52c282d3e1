/**
 * Client secrets in the fake: Graph's `addPassword` on an application, and the check the Entra
 * token endpoint makes on `client_secret`, so that `ClientSecretCredential` works against the
 * emulator. The secret text is returned once, as Graph does; the fake keeps only its SHA-256 (in
 * memory, never in a saved state) and the metadata Graph lists in `passwordCredentials`.
 * https://learn.microsoft.com/en-us/graph/api/application-addpassword?view=graph-rest-1.0
 */
import { createHash, randomBytes } from 'node:crypto';
import { serviceError } from '../_router';
import { isRecord, json } from './_respond';
import type { FakeRoute, FakeRuntime } from './options';
import type { FakeApplication, FakeState } from './state';

interface StoredSecret {
  readonly keyId: string;
  readonly sha256: string;
  readonly endMs: number;
}

const secrets = new WeakMap<FakeState, Map<string, StoredSecret[]>>();
const storeOf = (state: FakeState): Map<string, StoredSecret[]> => {
  let store = secrets.get(state);
  if (!store) secrets.set(state, (store = new Map()));
  return store;
};
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;
const LITERAL = String.raw`'((?:[^']|'')*)'`;

/** How a presented client secret compares with the app's secrets. */
export type SecretCheck = 'ok' | 'none' | 'wrong' | 'expired';

export function checkClientSecret(state: FakeState, app: FakeApplication, secret: string, nowMs: number): SecretCheck {
  const stored = storeOf(state).get(app.id) ?? [];
  if (stored.length === 0) return 'none';
  const match = stored.find((s) => s.sha256 === sha256(secret));
  if (!match) return 'wrong';
  return nowMs >= match.endMs ? 'expired' : 'ok';
}

export function graphPasswordRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  return [
    {
      method: 'POST',
      pattern: new RegExp(String.raw`^/applications(?:/([^/()]+)|\(appId=${LITERAL}\))/addPassword$`, 'i'),
      operation: 'applications.addPassword',
      handle: (ctx) => {
        const [id, appId] = ctx.params;
        const app = id ? state.application(id) : state.applicationByAppId((appId ?? '').replace(/''/g, "'"));
        if (!app)
          return serviceError(
            'graph',
            404,
            'Request_ResourceNotFound',
            `Resource '${id || appId || ''}' does not exist or one of its queried reference-property objects are not present.`,
          );
        const body = ctx.body === undefined ? {} : ctx.body;
        const given = isRecord(body) ? body['passwordCredential'] : undefined;
        if (!isRecord(body) || (given !== undefined && given !== null && !isRecord(given)))
          return serviceError('graph', 400, 'Request_BadRequest', 'Invalid passwordCredential in the request body.');
        const cred = isRecord(given) ? given : {};
        const now = rt.now();
        const end = typeof cred['endDateTime'] === 'string' ? Date.parse(cred['endDateTime']) : now + TWO_YEARS_MS;
        if (Number.isNaN(end) || end <= now)
          return serviceError('graph', 400, 'Request_BadRequest', 'The endDateTime of the password credential must be in the future.');
        const secretText = randomBytes(30).toString('base64url').slice(0, 40);
        const keyId = rt.newId();
        const metadata = {
          customKeyIdentifier: null,
          displayName: typeof cred['displayName'] === 'string' ? cred['displayName'] : null,
          endDateTime: new Date(end).toISOString(),
          hint: secretText.slice(0, 3),
          keyId,
          startDateTime: new Date(now).toISOString(),
        };
        const list = storeOf(state).get(app.id) ?? [];
        storeOf(state).set(app.id, [...list, { keyId, sha256: sha256(secretText), endMs: end }]);
        const listed = Array.isArray(app.properties['passwordCredentials']) ? (app.properties['passwordCredentials'] as unknown[]) : [];
        app.properties = { ...app.properties, passwordCredentials: [...listed, { ...metadata, secretText: null }] };
        return json({
          '@odata.context': `${rt.options.baseUrls.graph}/$metadata#microsoft.graph.passwordCredential`,
          ...metadata,
          secretText,
        });
      },
    },
  ];
}
