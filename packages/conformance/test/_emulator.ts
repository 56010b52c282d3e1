/** What every conformance test needs: the emulator's URL, its CA, and the demo organization's ids. */
import { inject } from 'vitest';

export const emulator = inject('emulator');
export const ORGANIZATION = 'contoso';
export const orgUrl = `${emulator.url}/devops/${ORGANIZATION}`;

export interface Health {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly projects: readonly { readonly id: string; readonly name: string }[];
}

/** `GET /_emulator/health` with the global fetch (it trusts the CA through NODE_EXTRA_CA_CERTS). */
export async function health(): Promise<Health> {
  const res = await fetch(`${emulator.url}/_emulator/health`);
  if (!res.ok) throw new Error(`health: ${res.status}`);
  return (await res.json()) as Health;
}

/** A name no other test uses. */
export const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
