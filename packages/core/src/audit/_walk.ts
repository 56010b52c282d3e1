/**
 * Walks every service connection of an organization: projects page by page (`x-ms-continuationtoken`),
 * at most `concurrency` projects at a time, each connection visited once however many projects it
 * is shared into. Projects are pulled lazily (the next page is read only when a worker needs it) and
 * nothing is collected: the only memory that grows is the set of connection ids already visited.
 * Shared by the audit and the migration's "is the old app still used?" check.
 */
import { type DevOpsClient, listProjects, listServiceEndpoints, type ServiceEndpoint, type TeamProjectReference } from '@wif/devops';
import type { TransportError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';

export interface WalkOptions {
  /** Projects read at once. */
  readonly concurrency: number;
  /** Connection type to list (`azurerm`), or `undefined` for every type. */
  readonly type?: string | undefined;
  readonly abortSignal?: AbortSignal | undefined;
  /** Checked between steps: the walk ends early once it says so. */
  readonly stopped?: () => boolean;
}

export interface WalkVisitor {
  /** The project list failed (its first page, or a later one): the walk ends after the projects already taken. */
  listFailed(error: TransportError): Promise<void> | void;
  /** One project's connections could not be listed. */
  projectFailed(project: TeamProjectReference, error: TransportError): Promise<void> | void;
  /** One project's connections were listed (before its connections are visited). */
  projectListed?(project: TeamProjectReference, connectionCount: number): Promise<void> | void;
  /** A connection not visited before. */
  connection(endpoint: ServiceEndpoint, project: TeamProjectReference): Promise<void> | void;
}

/** One project per `next()`; the first failed page is yielded as one `Err`, then the listing ends. */
async function* eachProject(
  devops: DevOpsClient,
  abortSignal: AbortSignal | undefined,
): AsyncGenerator<Result<TeamProjectReference, TransportError>, void, undefined> {
  for await (const page of listProjects(devops, {}, abortSignal ? { abortSignal } : {})) {
    if (page.isErr()) {
      yield err(page.error);
      return;
    }
    for (const project of page.value) yield ok(project);
  }
}

/** Runs the walk; resolves when every project was visited (or the walk was stopped). Never rejects on a service error. */
export async function walkOrganization(devops: DevOpsClient, options: WalkOptions, visit: WalkVisitor): Promise<void> {
  const seen = new Set<string>();
  const stopped = (): boolean => options.abortSignal?.aborted === true || options.stopped?.() === true;
  // Concurrent next() calls on one async generator are queued by the language: each worker gets its own project.
  const projects = eachProject(devops, options.abortSignal);
  const query = { ...(options.type !== undefined ? { type: options.type } : {}), includeFailed: true };
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const worker = async (): Promise<void> => {
    while (!stopped()) {
      const next = await projects.next();
      if (next.done || stopped()) return;
      if (next.value.isErr()) {
        await visit.listFailed(next.value.error);
        return;
      }
      const project = next.value.value;
      const listed = await listServiceEndpoints(devops, project.id, query, opts);
      if (stopped()) return;
      if (listed.isErr()) {
        await visit.projectFailed(project, listed.error);
        continue;
      }
      await visit.projectListed?.(project, listed.value.length);
      for (const endpoint of listed.value) {
        const key = endpoint.id.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        await visit.connection(endpoint, project);
        if (stopped()) return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
}
