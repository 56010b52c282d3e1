import type { HttpHandler } from 'msw';
import type { RequestLogEntry } from './_router';

export interface ArmContractOptions {
  /** Base URL the handlers serve (default: the public-cloud endpoint). */
  readonly baseUrl?: string;
  /** Receives every request that reached a route. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

/** Contract handlers for arm: being written. */
export function armContractHandlers(_options: ArmContractOptions = {}): HttpHandler[] {
  return [];
}
