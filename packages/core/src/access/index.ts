/**
 * `@wif/core/access`: what a command-line tool needs for its first request, the access check,
 * without loading the rest of the SDK (the Graph and ARM clients, the workflows): the `wif` CLI
 * sends it while the rest loads (docs/decisions/027-the-first-request-while-the-sdk-loads.md).
 * Everything here is also exported by `@wif/core`.
 */
export { checkAccess, type CheckAccessError, type OrganizationNotFoundError } from '../preflight';
export { createAccessClients } from '../workflows/_devopsClient';
export { PersonalAccessTokenCredential } from '@wif/http';
