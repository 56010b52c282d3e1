/**
 * An HTTP client that trusts one more certificate authority, for one client only: how wif talks
 * to the emulator over TLS (`wif emulator --tls`) without touching the process's trust store and
 * without ever turning certificate verification off.
 */
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { createNodeHttpClient } from './nodeHttp';
import { asPipelineHttpClient } from './pipelineAdapter';

/**
 * An HTTP client whose HTTPS requests verify the server against the public roots plus `ca` (PEM).
 * Verification stays on: a certificate from any other issuer, or for another host name, is refused
 * as before. Plain HTTP requests are untouched.
 *
 * Without `inner` it is wif's own keep-alive Node client (no core-rest-pipeline code runs). With
 * `inner` (any core-rest-pipeline `HttpClient`), requests go through `inner` with an agent that
 * trusts `ca`; a request that brings its own `agent` keeps it.
 *
 * @example
 * const httpClient = trustingHttpClient(readFileSync(caFile, 'utf8'));
 * const clients = createClients({ credential, organization, endpoints, httpClient });
 */
export function trustingHttpClient(ca: string | readonly string[], inner?: HttpClient): HttpClient {
  const extra = typeof ca === 'string' ? [ca] : [...ca];
  if (!inner) return asPipelineHttpClient(createNodeHttpClient({ ca: extra }));
  const agent = new Agent({ keepAlive: true, ca: [...rootCertificates, ...extra] });
  return {
    sendRequest(request) {
      if (request.url.startsWith('https:') && !request.agent) request.agent = agent;
      return inner.sendRequest(request);
    },
  };
}
