// The Provider contract over the local provider: a real manager (the built CLI) and workers that
// are real processes (fake-worker.mjs through fake-cli.mjs), in a $DOJO_HOME of their own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../../../lib/providers/local/provider';
import type { LogLine } from '../../../lib/providers/provider';
import { saveDojoConfig } from '../../../lib/providers/state';
import { ensureBuilt, processesMentioning } from '../../e2e/harness';
import { providerContract, type ContractWorld } from './suite';

/** The environments the job's workers printed (fake-worker.mjs), read through jobLogs. */
async function printedEnvs(provider: LocalProvider, jobId: string): Promise<Record<string, string>[]> {
  const lines: LogLine[] = [];
  await provider.jobLogs(jobId, { follow: false, onLine: (l) => lines.push(l) });
  const prefix = 'contract-worker env ';
  return lines.filter((l) => l.text.startsWith(prefix)).map((l) => JSON.parse(l.text.slice(prefix.length)) as Record<string, string>);
}

async function openLocal(): Promise<ContractWorld> {
  ensureBuilt();
  const home = mkdtempSync(join(tmpdir(), 'dojo-contract-local-'));
  const provider = new LocalProvider({ home, cli: { command: process.execPath, args: [join(import.meta.dirname, 'fake-cli.mjs')] } });
  const active = await provider.init({ maxWorkers: 8 });
  const info = await provider.activate(active.id);
  const inactive = await provider.init({});
  const foreign = { ...active, id: 'dojo-0a0a0a0a', provider: 'aws' as const, region: 'eu-west-1' };
  saveDojoConfig(home, foreign);
  return {
    provider,
    activeDojo: active.id,
    inactiveDojo: inactive.id,
    foreignDojo: foreign.id,
    hpoUri: info.hpoUri!,
    hpoToken: info.extra?.DOJO_TOKEN,
    replicaCommand: `${process.execPath} ${join(import.meta.dirname, 'fake-replica.mjs')}`,
    dataEnv: { DOJO_TRAIN_GLOB: '/data/train/part-*.csv', DOJO_VAL_GLOB: '/data/val/part-*.csv' },
    async workerEnvs(jobId, count) {
      for (;;) {
        const envs = await printedEnvs(provider, jobId);
        if (envs.length >= count) return envs;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async killWorkers(jobId) {
      for (const pid of processesMentioning(`worker run --job ${jobId} `)) process.kill(pid, 'SIGKILL');
    },
    async close() {
      for (const id of [active.id, inactive.id]) await provider.remove(id);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

providerContract('local', openLocal, { commandJobs: true });
