/**
 * Reads that several parts of one plan run need alike: a project (`GET projects/{name}`: each
 * connection's lookup and the orphan listing) and the project's Azure Resource Manager connections
 * (`GET serviceendpoint/endpoints?type=azurerm`: the orphan listing, and a connection looked for
 * under another name through its app). Within a run each is read once per project: readers at the
 * same time share the request in flight, later ones its answer (a plan is one reading of the
 * organization). A failed read is forgotten, so that a later reader reads again. The orphan listing
 * sends a project's read and its connections' listing at once (by the name the spec gives): before,
 * the listing waited for the project's id, one more round trip on `plan`'s chain.
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
  /** `GET {projectIdOrName}/_apis/serviceendpoint/endpoints?type=azurerm&includeFailed=true`. */
  readonly azurermConnections: (projectIdOrName: string) => ResultAsync<ServiceEndpoint[], TransportError>;
  /**
   * The project and its Azure Resource Manager connections, both sent at once: Azure DevOps takes a
   * project's name or id in the listing's path, so it need not wait for the project's id. (The
   * listing is then also what `azurermConnections(project.id)` returns in the same run.)
   */
  readonly projectConnections: (
    idOrName: string,
  ) => ResultAsync<{ readonly project: TeamProjectReference; readonly all: ServiceEndpoint[] }, TransportError>;
}

/** Reads straight through, nothing shared: what a single step or one connection's converge uses. */
export function directReads(devops: DevOpsClient, o: OperationOptions): RunReads {
  const project: RunReads['project'] = (p) => withSuggestion(devops, p, getProject(devops, p, o), o);
  const azurermConnections: RunReads['azurermConnections'] = (p) =>
    listServiceEndpoints(devops, p, { type: 'azurerm', includeFailed: true }, o);
  return { project, azurermConnections, projectConnections: bothAtOnce(project, azurermConnections) };
}

/**
 * `projectConnections` from the two reads: both sent at once; the project's error wins (a project
 * that does not exist is named, with its suggestion, rather than reported as an unreadable list).
 */
function bothAtOnce(project: RunReads['project'], connections: RunReads['azurermConnections']): RunReads['projectConnections'] {
  return (p) => {
    const listed = connections(p);
    return project(p).andThen((found) => listed.map((all) => ({ project: found, all })));
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
  const azurermConnections = once(direct.azurermConnections);
  const readProject = once(direct.project);
  // A listing sent by the project's name (projectConnections) is the listing by its id too, for
  // every reader: the alias is made before any reader's next step sees the project.
  const project: RunReads['project'] = (p) =>
    readProject(p).map((found) => {
      azurermConnections.alias(found.id, p);
      return found;
    });
  return { project, azurermConnections, projectConnections: bothAtOnce(project, azurermConnections) };
}

/**
 * `read`, once per key (case-insensitive) while it has not failed. `alias(other, key)`: `other` names
 * the same thing as `key` (a project's id and the name it was read by) and gets its read.
 */
function once<T>(
  read: (key: string) => ResultAsync<T, TransportError>,
): ((key: string) => ResultAsync<T, TransportError>) & { alias(other: string, key: string): void } {
  const known = new Map<string, Promise<Result<T, TransportError>>>();
  const get = (key: string): ResultAsync<T, TransportError> => {
    const k = key.toLowerCase();
    let hit = known.get(k);
    if (!hit) {
      const sent: Promise<Result<T, TransportError>> = Promise.resolve(read(key)).then((r) => {
        // Forgotten under every name it is known by (an alias too).
        if (r.isErr()) for (const [name, v] of known) if (v === sent) known.delete(name);
        return r;
      });
      hit = sent;
      known.set(k, hit);
    }
    return new ResultAsync(hit);
  };
  return Object.assign(get, {
    alias(other: string, key: string): void {
      const hit = known.get(key.toLowerCase());
      if (hit && !known.has(other.toLowerCase())) known.set(other.toLowerCase(), hit);
    },
  });
}
