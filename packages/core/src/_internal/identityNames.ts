/**
 * Names of Azure resources a managed identity lives in, on their own: the spec schema checks them
 * without loading the ARM steps (`wif` reads the spec before the rest of the SDK loads, decision 027).
 */
import * as z from 'zod';

/** `Microsoft.ManagedIdentity/userAssignedIdentities` name rules: 3–128, letters, digits, `-`, `_`, starting with a letter or digit. */
export const identityNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/, 'must be 3–128 letters, digits, "-" or "_", starting with a letter or digit');

/** An Azure region name (`westeurope`, `West Europe`). */
export const locationSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z][A-Za-z0-9 ]{1,49}$/, 'is not an Azure region name (e.g. westeurope)');

export const resourceGroupNameSchema = z.string().regex(/^[-\w._()]{1,90}$/, 'is not a resource group name');

/**
 * One user-assigned identity as a comparable key (ARM names are case-insensitive): the same for
 * every spelling of its subscription, resource group and name.
 */
export const identityKey = (ref: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string }): string =>
  `${ref.subscriptionId}/${ref.resourceGroup}/${ref.name}`.toLowerCase();
