/**
 * Cloud endpoints. Every service base URL can be overridden on its own (sovereign clouds, the
 * local emulator, a corporate proxy).
 */

export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface Endpoints {
  /** Microsoft Graph, including the version segment, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly graph: string;
  /** Azure Resource Manager, e.g. `https://management.azure.com`. */
  readonly arm: string;
  /** Azure DevOps, e.g. `https://dev.azure.com` (the organization is appended per call). */
  readonly devops: string;
  /** Entra authority host, e.g. `https://login.microsoftonline.com`. */
  readonly authority: string;
  /** Token scope for Graph. */
  readonly graphScope: string;
  /** Token scope for ARM. */
  readonly armScope: string;
  /** Token scope for Azure DevOps (the Azure DevOps application id, with `/.default`). */
  readonly devopsScope: string;
  /** The `url` Azure DevOps stores on an azurerm service connection for this cloud. */
  readonly armConnectionUrl: string;
  /** The `data.environment` value of an azurerm service connection for this cloud. */
  readonly environmentName: CloudName;
}

/** The Azure DevOps application id (resource) used as a token scope. */
export const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';

/**
 * Presets for the public and sovereign clouds.
 * Sources: learn.microsoft.com/graph/deployments (Graph national clouds),
 * learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure,
 * learn.microsoft.com/azure/china/resources-developer-guide; the connection `url` values from
 * `docs/reference/devops.md` (ServiceEndpoint.url).
 * Azure DevOps Services itself only runs in the public cloud: `devops` stays `https://dev.azure.com`
 * for every preset (it can still create connections that target a sovereign cloud).
 */
export const CLOUDS: Readonly<Record<CloudName, Endpoints>> = {
  AzureCloud: {
    graph: 'https://graph.microsoft.com/v1.0',
    arm: 'https://management.azure.com',
    devops: 'https://dev.azure.com',
    authority: 'https://login.microsoftonline.com',
    graphScope: 'https://graph.microsoft.com/.default',
    armScope: 'https://management.azure.com/.default',
    devopsScope: `${AZURE_DEVOPS_APP_ID}/.default`,
    armConnectionUrl: 'https://management.azure.com/',
    environmentName: 'AzureCloud',
  },
  AzureUSGovernment: {
    graph: 'https://graph.microsoft.us/v1.0',
    arm: 'https://management.usgovcloudapi.net',
    devops: 'https://dev.azure.com',
    authority: 'https://login.microsoftonline.us',
    graphScope: 'https://graph.microsoft.us/.default',
    armScope: 'https://management.usgovcloudapi.net/.default',
    devopsScope: `${AZURE_DEVOPS_APP_ID}/.default`,
    armConnectionUrl: 'https://management.usgovcloudapi.net/',
    environmentName: 'AzureUSGovernment',
  },
  AzureChinaCloud: {
    graph: 'https://microsoftgraph.chinacloudapi.cn/v1.0',
    arm: 'https://management.chinacloudapi.cn',
    devops: 'https://dev.azure.com',
    authority: 'https://login.chinacloudapi.cn',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    armScope: 'https://management.chinacloudapi.cn/.default',
    devopsScope: `${AZURE_DEVOPS_APP_ID}/.default`,
    armConnectionUrl: 'https://management.chinacloudapi.cn/',
    environmentName: 'AzureChinaCloud',
  },
};

/** Picks a preset and applies per-service overrides. Trailing slashes are removed from base URLs. */
export function resolveEndpoints(cloud: CloudName = 'AzureCloud', overrides: Partial<Endpoints> = {}): Endpoints {
  const merged = { ...CLOUDS[cloud], ...stripUndefined(overrides) };
  return {
    ...merged,
    graph: trimSlash(merged.graph),
    arm: trimSlash(merged.arm),
    devops: trimSlash(merged.devops),
    authority: trimSlash(merged.authority),
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Whether a base URL points at this machine (the emulator), where plain HTTP is allowed. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const { hostname } = new URL(url);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
  } catch {
    return false;
  }
}
