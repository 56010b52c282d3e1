/**
 * Error mapping, once for the package: each status answered with Azure DevOps' own error body
 * (`docs/reference/devops.md` §11) through a real call (`getServiceEndpoint`), and the retry behaviour.
 */
import { serviceError } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { createServiceEndpoint, getServiceEndpoint } from './serviceEndpoints';

const { server, seen } = useContractServer();
const ID = '5e47a0d8-c745-44f8-8f93-784f18ff31c4';
const URL_PATTERN = `https://dev.azure.com/${ORG}/:project/_apis/serviceendpoint/endpoints/:id`;

/** Answers every call with the given error; returns the request id the service sent. */
function answerWith(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): { requestId: () => string | null } {
  let requestId: string | null = null;
  server.use(
    http.get(URL_PATTERN, () => {
      const response = serviceError('devops', status, code, message, headers);
      requestId = response.headers.get('x-vss-e2eid');
      return response;
    }),
  );
  return { requestId: () => requestId };
}

describe('error mapping', () => {
  it.each([
    [400, 'ArgumentException', 'BadRequest'],
    [401, 'UnauthorizedRequestException', 'Unauthorized'],
    [403, 'AccessCheckException', 'Forbidden'],
    [404, 'ServiceEndpointNotFoundException', 'NotFound'],
    [409, 'ServiceEndpointConflictException', 'Conflict'],
  ] as const)('maps %i %s to %s, with code and request id, sent once', async (status, code, kind) => {
    const sent = answerWith(status, code, `${code}: the message of the service.`);
    const { client } = testClient();
    const error = (await getServiceEndpoint(client, 'TestProject', ID))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind, service: 'devops', status, code, requestId: sent.requestId(), retryable: false });
    expect(error.message).toContain('the message of the service');
    expect(seen).toHaveLength(1);
  });

  it('retries a 429 honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get(URL_PATTERN, () => {
        calls++;
        return calls < 3
          ? serviceError(
              'devops',
              429,
              'RequestBlockedException',
              'TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource.',
              { 'Retry-After': '0' },
            )
          : undefined;
      }),
    );
    const { client } = testClient();
    expect((await getServiceEndpoint(client, 'TestProject', ID)).isOk()).toBe(true);
    expect(calls).toBe(3);
  });

  it('gives up on a 429 whose Retry-After is longer than allowed, reporting the wait', async () => {
    const sent = answerWith(429, 'RequestBlockedException', 'TF400733: The request has been canceled.', { 'Retry-After': '120' });
    const { client } = testClient();
    const error = (await getServiceEndpoint(client, 'TestProject', ID))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'Throttled', status: 429, retryable: true, retryAfterInMs: 120_000, requestId: sent.requestId() });
    expect(seen).toHaveLength(1);
  });

  it('retries a 503 with bounded backoff, then reports it as retryable', async () => {
    answerWith(503, 'ServiceUnavailableException', 'TF400898: An Internal Error Occurred.');
    const { client } = testClient({ retry: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
    const error = (await getServiceEndpoint(client, 'TestProject', ID))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'ServiceUnavailable', status: 503, code: 'ServiceUnavailableException', retryable: true });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a 400 from a write either', async () => {
    server.use(
      http.post(`https://dev.azure.com/${ORG}/_apis/serviceendpoint/endpoints`, () =>
        serviceError('devops', 400, 'ArgumentException', 'Invalid.'),
      ),
    );
    const { client } = testClient();
    const error = (
      await createServiceEndpoint(client, {
        name: 'x',
        type: 'Generic',
        url: 'https://example.com',
        authorization: { scheme: 'None', parameters: {} },
        serviceEndpointProjectReferences: [{ projectReference: { id: 'c7e5f0b3-71fa-4429-9fb3-3321963a7c06' }, name: 'x' }],
      })
    )._unsafeUnwrapErr();
    expect(error.kind).toBe('BadRequest');
    expect(seen).toHaveLength(1);
  });
});
