/**
 * Client secrets in the fake: Graph's `addPassword` and `removePassword` on an application, and the check the Entra
 * token endpoint makes on `client_secret`, so that `ClientSecretCredential` works against the
 * emulator. The secret text is returned once, as Graph does; the fake keeps only its SHA-256 (in
 * memory, never in a saved state) and the metadata Graph lists in `passwordCredentials`.
 * https://learn.microsoft.com/en-us/graph/api/application-addpassword?view=graph-rest-1.0
 */
import { createHash, randomBytes } from 'node:crypto';
import { serviceError } from '../_router';
import { APP, appKey, findApp, invalid, notFound } from './graph/_common';
import { isRecord, json, noContent } from './_respond';
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

/** What Graph lists of a client secret in the app's `passwordCredentials` (never its text). */
export interface PasswordCredentialMetadata {
  readonly customKeyIdentifier: null;
  readonly displayName: string | null;
  readonly endDateTime: string;
  readonly hint: string;
  readonly keyId: string;
  readonly startDateTime: string;
}

const listed = (app: FakeApplication): unknown[] =>
  Array.isArray(app.properties['passwordCredentials']) ? (app.properties['passwordCredentials'] as unknown[]) : [];

/**
 * Adds a client secret to an app, as `addPassword` does: a new secret text (returned once), its
 * hash kept for the token endpoint, its metadata listed on the app. Also what the emulator's
 * `/_emulator/add-secret` calls.
 */
export function addPasswordCredential(
  state: FakeState,
  app: FakeApplication,
  init: { readonly displayName: string | null; readonly keyId: string; readonly nowMs: number; readonly endMs: number },
): { readonly metadata: PasswordCredentialMetadata; readonly secretText: string } {
  const secretText = randomBytes(30).toString('base64url').slice(0, 40);
  const metadata: PasswordCredentialMetadata = {
    customKeyIdentifier: null,
    displayName: init.displayName,
    endDateTime: new Date(init.endMs).toISOString(),
    hint: secretText.slice(0, 3),
    keyId: init.keyId,
    startDateTime: new Date(init.nowMs).toISOString(),
  };
  const list = storeOf(state).get(app.id) ?? [];
  storeOf(state).set(app.id, [...list, { keyId: init.keyId, sha256: sha256(secretText), endMs: init.endMs }]);
  app.properties = { ...app.properties, passwordCredentials: [...listed(app), { ...metadata, secretText: null }] };
  return { metadata, secretText };
}

/** Removes a client secret by key id, as `removePassword` does: from the app's list and from what the token endpoint accepts. `false`: the app holds none with that id. */
export function removePasswordCredential(state: FakeState, app: FakeApplication, keyId: string): boolean {
  const same = (k: unknown): boolean => typeof k === 'string' && k.toLowerCase() === keyId.toLowerCase();
  const current = listed(app);
  const kept = current.filter((c) => !(isRecord(c) && same(c['keyId'])));
  if (kept.length === current.length) return false;
  app.properties = { ...app.properties, passwordCredentials: kept };
  const stored = storeOf(state).get(app.id);
  if (stored)
    storeOf(state).set(
      app.id,
      stored.filter((x) => !same(x.keyId)),
    );
  return true;
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
        const { metadata, secretText } = addPasswordCredential(state, app, {
          displayName: typeof cred['displayName'] === 'string' ? cred['displayName'] : null,
          keyId: rt.newId(),
          nowMs: now,
          endMs: end,
        });
        return json({
          '@odata.context': `${rt.options.baseUrls.graph}/$metadata#microsoft.graph.passwordCredential`,
          ...metadata,
          secretText,
        });
      },
    },
    {
      // https://learn.microsoft.com/graph/api/application-removepassword: `{ keyId }` → 204. A keyId the
      // app does not hold is answered 400 here; the page does not say what Graph answers.
      method: 'POST',
      pattern: new RegExp(`^${APP}/removePassword$`, 'i'),
      operation: 'applications.removePassword',
      handle: (ctx) => {
        const app = findApp(state, ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const keyId = isRecord(ctx.body) ? ctx.body['keyId'] : undefined;
        if (typeof keyId !== 'string' || !GUID.test(keyId))
          return invalid("Invalid value specified for property 'keyId' of resource 'PasswordCredential'.");
        if (!removePasswordCredential(state, app, keyId)) return invalid(`No password credential found with keyId ${keyId}.`);
        return noContent();
      },
    },
  ];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
