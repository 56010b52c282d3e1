/**
 * Reads that several parts of one plan run need alike: a project (`GET projects/{name}`: each
 * connection's lookup and the orphan listing) and the project's Azure Resource Manager connections
 * (`GET serviceendpoint/endpoints?type=azurerm`: the orphan listing, and a connection looked for
 * under another name through its app). Within a run each is read once per project: readers at the
 * same time share the request in flight, later ones its answer (a plan is one reading of the
 * organization). A failed read is forgotten, so that a later reader reads again.
 * @internal
 */
import {
  type DevOpsClient,
  getProject,
  listProjects,
  listServiceEndpoints,
  type ServiceEndpoint,
  type TeamProjectReference,
} from '@wif/devops';
import { closestName, collect, type OperationOptions, settled, type TransportError } from '@wif/http';
import { err, type Result, ResultAsync } from 'neverthrow';

/** The reads of {@link runReads}. */
export interface RunReads {
  /** `GET projects/{idOrName}`. */
  readonly project: (idOrName: string) => ResultAsync<TeamProjectReference, TransportError>;
  /** `GET {projectId}/_apis/serviceendpoint/endpoints?type=azurerm&includeFailed=true`. */
  readonly azurermConnections: (projectId: string) => ResultAsync<ServiceEndpoint[], TransportError>;
}

/** Reads straight through, nothing shared: what a single step or one connection's converge uses. */
export function directReads(devops: DevOpsClient, o: OperationOptions): RunReads {
  return {
    project: (p) => withSuggestion(devops, p, getProject(devops, p, o), o),
    azurermConnections: (projectId) => listServiceEndpoints(devops, projectId, { type: 'azurerm', includeFailed: true }, o),
  };
}

/**
 * A project that does not exist: its error names the closest project the caller can see (a spec
 * that says `plattform` for `platform`), from one list of the organization's projects, read only
 * then. Any other answer, or a list that cannot be read, is returned as it was.
 */
function withSuggestion(
  devops: DevOpsClient,
  given: string,
  read: ResultAsync<TeamProjectReference, TransportError>,
  o: OperationOptions,
): ResultAsync<TeamProjectReference, TransportError> {
  return settled(read, (r) => {
    if (r.isOk() || r.error.kind !== 'NotFound') return r;
    const e = r.error;
    return settled(collect(listProjects(devops, {}, o), 1_000), (all) => {
      const near = all.isOk()
        ? closestName(
            given,
            all.value.map((x) => x.name),
          )
        : undefined;
      return err(near ? { ...e, message: `${e.message} Did you mean "${near}"?` } : e);
    });
  });
}

/** Reads shared by everything one run reads through it (see the module's comment). */
export function runReads(devops: DevOpsClient, o: OperationOptions): RunReads {
  const direct = directReads(devops, o);
  return { project: once(direct.project), azurermConnections: once(direct.azurermConnections) };
}

/** `read`, once per key (case-insensitive) while it has not failed. */
function once<T>(read: (key: string) => ResultAsync<T, TransportError>): (key: string) => ResultAsync<T, TransportError> {
  const known = new Map<string, Promise<Result<T, TransportError>>>();
  return (key) => {
    const k = key.toLowerCase();
    let hit = known.get(k);
    if (!hit) {
      const sent: Promise<Result<T, TransportError>> = Promise.resolve(read(key)).then((r) => {
        if (r.isErr() && known.get(k) === sent) known.delete(k);
        return r;
      });
      hit = sent;
      known.set(k, hit);
    }
    return new ResultAsync(hit);
  };
}
