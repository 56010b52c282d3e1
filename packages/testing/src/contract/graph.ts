import type { HttpHandler } from 'msw';
import type { RequestLogEntry } from './_router';

export interface GraphContractOptions {
  /** Base URL the handlers serve (default: the public-cloud endpoint). */
  readonly baseUrl?: string;
  /** Receives every request that reached a route. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

/** Contract handlers for graph: being written. */
export function graphContractHandlers(_options: GraphContractOptions = {}): HttpHandler[] {
  return [];
}
