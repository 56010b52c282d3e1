import type { TokenCredential } from '@azure/core-auth';
import { CLOUDS, createTransport, resolveEndpoints, type CloudName, type Transport, type TransportOptions } from '@wif/http';

/** Options of {@link createArmClient}. */
export interface ArmClientOptions extends TransportOptions {
  /** Any Entra credential (`@azure/identity`'s `DefaultAzureCredential`, `AzureCliCredential`, …). */
  readonly credential: TokenCredential;
  /**
   * Base URL of Azure Resource Manager. Default: the cloud preset, e.g. `https://management.azure.com`.
   * Plain HTTP is accepted only for this machine, e.g. the emulator at `http://127.0.0.1:PORT/arm`.
   */
  readonly endpoint?: string;
  /** Token scope. Default: the cloud preset, e.g. `https://management.azure.com/.default`. */
  readonly scope?: string;
  /** Cloud preset for the defaults. Default `AzureCloud`. */
  readonly cloud?: CloudName;
}

/** A client for Azure Resource Manager; pass it to the functions of this package. */
export interface ArmClient {
  readonly transport: Transport;
}

/**
 * Creates an ARM client: a transport with user agent, request id, bearer auth for the ARM scope,
 * bounded retry (429/5xx, honouring `Retry-After`) and redacted logging. Sends nothing by itself.
 *
 * @throws TypeError for a programmer error only: an endpoint that is not an absolute http(s) URL,
 *   or plain HTTP to anything but 127.0.0.1/localhost.
 * @example
 * const arm = createArmClient({ credential: new AzureCliCredential() });
 */
export function createArmClient(options: ArmClientOptions): ArmClient {
  const { credential, endpoint, scope, cloud = 'AzureCloud', ...transportOptions } = options;
  const baseUrl = resolveEndpoints(cloud, endpoint !== undefined ? { arm: endpoint } : {}).arm;
  const transport = createTransport({
    ...transportOptions,
    service: 'arm',
    baseUrl,
    auth: { kind: 'bearer', credential, scope: scope ?? CLOUDS[cloud].armScope },
  });
  return Object.freeze({ transport });
}

/** Options every ARM call takes. */
export interface ArmOperationOptions {
  /** Cancels the call (the token request and every attempt). */
  readonly abortSignal?: AbortSignal | undefined;
}
