// ECS as the Provider contract suite's AWS world sees it (aws-sdk-client-mock): RunTask starts the
// task's container command as a real process (fake-worker.mjs) with exactly the task's environment
// overrides; ListTasks/DescribeTasks answer the tasks whose process still runs; StopTask ends one.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  DescribeTasksCommand, ListTasksCommand, RunTaskCommand, StopTaskCommand,
  type DescribeTasksCommandInput, type ListTasksCommandInput, type RunTaskCommandInput, type StopTaskCommandInput,
} from '@aws-sdk/client-ecs';
import type { AwsMocks } from '../aws/harness';

interface FakeTask {
  readonly arn: string;
  readonly startedBy: string;
  readonly env: Record<string, string>;
  readonly child: ChildProcess;
  /** False once StopTask was called or the process exited (ECS's desired status is then STOPPED). */
  running: boolean;
}

/** The tasks of one fake cluster. */
export class FakeEcs {
  private readonly tasks: FakeTask[] = [];
  private readonly worker = join(import.meta.dirname, 'fake-worker.mjs');

  /** Answers the ECS calls of the providers with this cluster. */
  install(ecs: AwsMocks['ecs']): void {
    ecs.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
      const override = input.overrides?.containerOverrides?.[0];
      const env = Object.fromEntries((override?.environment ?? []).map((kv) => [kv.name!, kv.value!]));
      const child = spawn(process.execPath, [this.worker, ...(override?.command ?? [])], { env, stdio: 'ignore' });
      const task: FakeTask = { arn: `arn:aws:ecs:eu-west-1:111122223333:task/fake/${this.tasks.length}`, startedBy: input.startedBy ?? '', env, child, running: true };
      child.once('exit', () => (task.running = false));
      this.tasks.push(task);
      return { tasks: [{ taskArn: task.arn }] };
    });
    ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => ({
      taskArns: this.tasks.filter((t) => t.running && (input.startedBy === undefined || t.startedBy === input.startedBy)).map((t) => t.arn),
    }));
    ecs.on(DescribeTasksCommand).callsFake((input: DescribeTasksCommandInput) => ({
      tasks: this.tasks.filter((t) => t.running && (input.tasks ?? []).includes(t.arn)).map((t) => ({ taskArn: t.arn, startedBy: t.startedBy, lastStatus: 'RUNNING' })),
    }));
    ecs.on(StopTaskCommand).callsFake((input: StopTaskCommandInput) => {
      const t = this.tasks.find((x) => x.arn === input.task);
      if (t) this.end(t, 'SIGTERM');
      return { task: { taskArn: input.task, desiredStatus: 'STOPPED' } };
    });
  }

  /** The environments of the job's tasks, in the order they were started. */
  envs(jobId: string): Record<string, string>[] {
    return this.tasks.filter((t) => t.startedBy === jobId).map((t) => t.env);
  }

  /** Kills the job's task processes as a crashed instance would. */
  kill(jobId: string): void {
    for (const t of this.tasks.filter((x) => x.startedBy === jobId)) this.end(t, 'SIGKILL');
  }

  /** Ends every task process and waits until they are gone. */
  async close(): Promise<void> {
    await Promise.all(
      this.tasks.map((t) => {
        if (t.child.exitCode !== null || t.child.signalCode !== null) return undefined;
        const gone = new Promise((r) => t.child.once('exit', r));
        t.child.kill('SIGKILL');
        return gone;
      }),
    );
  }

  private end(t: FakeTask, signal: NodeJS.Signals): void {
    t.running = false;
    t.child.kill(signal);
  }
}
