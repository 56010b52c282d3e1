/**
 * Whether pipelines still use the old connection: its usage history (the runs that used it) since
 * the new connection went live. `finishMigration` refuses to delete a connection that a pipeline ran
 * with during the soak: that pipeline was not switched, and would fail on its next run.
 * Reference: learn.microsoft.com/rest/api/azure/devops/serviceendpoint/executionhistory/list?view=azure-devops-rest-7.1
 */
import { type DevOpsClient, listServiceEndpointExecutionRecords, type ServiceEndpointExecutionRecord } from '@wif/devops';
import type { TransportError } from '@wif/http';
import { err, ok, ResultAsync } from 'neverthrow';

/** One pipeline that used the connection since a given time: its last use. */
export interface ConnectionUse {
  readonly project: string;
  /** The pipeline (definition) name, or `#id` when the record names none. */
  readonly pipeline: string;
  /** The last run that used it. */
  readonly run: string;
  readonly at: string;
  readonly result: string | null;
}

/** What the history showed. `complete: false` when it was longer than what is read (see {@link MAX_PAGES}). */
export interface UsageSince {
  readonly uses: readonly ConnectionUse[];
  readonly complete: boolean;
}

const PAGE = 100;
/** Pages read per project at most: the order of the records is not documented, so this bounds the walk either way. */
const MAX_PAGES = 5;

const startOf = (r: ServiceEndpointExecutionRecord): number => Date.parse(r.data?.startTime ?? r.data?.finishTime ?? '');

/**
 * The pipelines that used `endpointId` at or after `sinceIso`, per project it is in (a shared
 * connection's history may be kept per project: undocumented; records seen twice count once). The
 * order of the records is not documented: a page entirely older than `sinceIso` ends the walk only
 * when it is sorted newest first; otherwise up to {@link MAX_PAGES} pages are read.
 */
export function usesSince(
  devops: DevOpsClient,
  projects: readonly { readonly id: string; readonly name: string }[],
  endpointId: string,
  sinceIso: string,
  options: { readonly abortSignal?: AbortSignal } = {},
): ResultAsync<UsageSince, TransportError> {
  const since = Date.parse(sinceIso);
  return new ResultAsync(
    (async () => {
      const byPipeline = new Map<string, ConnectionUse & { readonly time: number }>();
      const seen = new Set<number>();
      let complete = true;
      for (const project of projects) {
        let read = 0;
        let ended = false;
        let lastPage = 0;
        for await (const page of listServiceEndpointExecutionRecords(devops, project.id, endpointId, { top: PAGE }, options)) {
          if (page.isErr()) return err(page.error);
          read += 1;
          lastPage = page.value.length;
          const times = page.value.map(startOf);
          for (const [i, r] of page.value.entries()) {
            const id = r.data?.id;
            if (typeof id === 'number') {
              if (seen.has(id)) continue;
              seen.add(id);
            }
            const time = times[i]!;
            if (!(time >= since)) continue;
            const definition = r.data?.definition;
            const pipeline = definition?.name ?? (definition?.id != null ? `#${definition.id}` : '(unnamed pipeline)');
            const key = `${project.id}/${pipeline}`;
            const before = byPipeline.get(key);
            if (!before || time > before.time)
              byPipeline.set(key, {
                project: project.name,
                pipeline,
                run: r.data?.owner?.name ?? (r.data?.owner?.id != null ? `#${r.data.owner.id}` : ''),
                at: new Date(time).toISOString(),
                result: r.data?.result ?? null,
                time,
              });
          }
          const newestFirst = times.every((t, i) => i === 0 || !(t > times[i - 1]!));
          if (newestFirst && times.length > 0 && times.every((t) => !(t >= since))) {
            ended = true;
            break;
          }
          if (read >= MAX_PAGES) break;
        }
        // Stopped at the cap on a full page: there may be more that was not read.
        if (!ended && read >= MAX_PAGES && lastPage >= PAGE) complete = false;
      }
      const uses = [...byPipeline.values()].sort((a, b) => b.time - a.time).map(({ time: _time, ...u }) => u);
      return ok({ uses, complete });
    })(),
  );
}

/** The first ten uses as "pipeline in project (last: run at time)", then how many more: for an error message. @internal */
export function describeUses(uses: readonly ConnectionUse[]): string {
  const shown = uses.slice(0, 10).map((u) => `${u.pipeline} in ${u.project} (last: ${u.run || 'a run'} at ${u.at})`);
  const more = uses.length > shown.length ? ` and ${uses.length - shown.length} more` : '';
  return `${shown.join('; ')}${more}`;
}
