/**
 * `@wif/core/spec`: the spec's zod schemas, the input validators and the JSON Schema — everything
 * that exposes zod types, kept off the root entry. The loader (`loadSpec`, `resolveSpec`) and the
 * plain spec types are on the root entry.
 */
export {
  specSchema,
  connectionSpecSchema,
  environmentSetSchema,
  roleGrantSchema,
  pipelinesSchema,
  connectionRoleSchema,
  targetSchema,
  type Spec,
  type SpecInput,
  type ConnectionSpec,
  type EnvironmentSetSpec,
  type ConnectionRoleSpec,
} from './schema';
export { identitySpecSchema, checksSpecSchema, securitySpecSchema, principalNameSchema } from './governance';
export { specJsonSchema } from './jsonSchema';
export { loadSpec, type LoadSpecOptions, MAX_SPEC_BYTES, type ResolvedSpec, type DesiredConnection } from './load';
export {
  validate,
  guidSchema,
  organizationSchema,
  projectSchema,
  connectionNameSchema,
  uniqueNameSchema,
  credentialNameSchema,
  issuerSchema,
  subjectSchema,
  scopeSchema,
} from '../validation';
