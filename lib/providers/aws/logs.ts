// `dojo job logs` on AWS: the workers' CloudWatch log streams, or a command job's drivers' (each
// replica line there with its trial and rank; awslogs driver: `<prefix>/<container>/<task id>`), read with FilterLogEvents page by page, polled for --follow.
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { JobLogsOptions } from '../provider';
import { taskId, type JobTask } from './jobs';

/** The stream prefix of the worker container (set by the stack's WorkerTask). */
export const WORKER_STREAM_PREFIX = 'worker';

/** The log stream of a worker task (or of a command job's driver, with the driver container's prefix). */
export function workerStream(container: string, task: JobTask, prefix: string = WORKER_STREAM_PREFIX): string {
  return `${prefix}/${container}/${taskId(task.arn)}`;
}

/** What to read. */
export interface LogReadSpec {
  readonly logGroup: string;
  readonly container: string;
  /** @default WORKER_STREAM_PREFIX */
  readonly streamPrefix?: string;
  readonly tasks: readonly JobTask[];
  /** True once the job's tasks have all stopped (ends --follow after a last read). */
  readonly done: () => Promise<boolean>;
  readonly pollMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Emits every event of the job's streams once, in time order per page; follows when asked. */
export async function readJobLogs(logs: CloudWatchLogsClient, spec: LogReadSpec, options: JobLogsOptions): Promise<void> {
  const sourceOf = new Map(spec.tasks.map((t) => [workerStream(spec.container, t, spec.streamPrefix), `g${t.group}/r${t.replica}`]));
  const streams = [...sourceOf.keys()];
  if (streams.length === 0) return;
  const seen = new Set<string>();
  const tag = options.trial === undefined ? undefined : `[trial ${options.trial}]`;
  let since: number | undefined;
  const readOnce = async () => {
    for (let i = 0; i < streams.length; i += 100) {
      let token: string | undefined;
      do {
        const r = await logs.send(
          new FilterLogEventsCommand({ logGroupName: spec.logGroup, logStreamNames: streams.slice(i, i + 100), startTime: since, nextToken: token }),
        );
        for (const e of r.events ?? []) {
          const key = e.eventId ?? `${e.logStreamName}:${e.timestamp}:${e.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          // Re-read from the newest event seen: CloudWatch may deliver late events with that time.
          if (e.timestamp !== undefined && (since === undefined || e.timestamp > since)) since = e.timestamp;
          const text = (e.message ?? '').replace(/\n$/, '');
          if (tag && !text.includes(tag)) continue;
          options.onLine({ source: sourceOf.get(e.logStreamName ?? '') ?? e.logStreamName ?? '?', text });
        }
        token = r.nextToken;
      } while (token);
    }
  };
  await readOnce();
  while (options.follow && !options.signal?.aborted) {
    const done = await spec.done();
    await spec.sleep(spec.pollMs, options.signal);
    await readOnce();
    if (done) return;
  }
}
