// The Provider contract over the AWS provider: every SDK client mocked at the client boundary
// (aws-sdk-client-mock, ../aws/harness.ts), the manager's HPO service a real one on 127.0.0.1 (the
// SSM tunnel replaced by the provider's openService option), and ECS tasks real processes
// (fake-ecs.ts). An emulated-AWS world (moto) can be run through the same suite.
import { join } from 'node:path';
import { GetParametersByPathCommand, type GetParametersByPathCommandInput } from '@aws-sdk/client-ssm';
import { afterAll } from 'vitest';
import { dojoParameterPrefix } from '../../../lib/infra/parameters';
import { startHpoService } from '../../../lib/hpo/service';
import { saveDojoConfig } from '../../../lib/providers/state';
import { DOJO_ID, RecordingDeployer, awsMocks, params, provider, tempHome } from '../aws/harness';
import { FakeEcs } from './fake-ecs';
import { providerContract, type ContractWorld } from './suite';

const mocks = awsMocks();
afterAll(() => mocks.restore());

async function openAws(): Promise<ContractWorld> {
  mocks.reset();
  const t = tempHome();
  const hpo = await startHpoService({ dbFile: join(t.home, 'hpo.db'), log: () => undefined });
  const inactive = 'dojo-0b0b0b0b';
  saveDojoConfig(t.home, { ...t.cfg, id: inactive });
  const foreign = 'dojo-0c0c0c0c';
  saveDojoConfig(t.home, { ...t.cfg, id: foreign, provider: 'local', region: undefined });
  // The workers (local processes here) reach the manager's services on loopback.
  const ports = JSON.stringify({ tracking: 5001, hpo: hpo.port, rendezvous: hpo.port, allreduceFrom: 29500, allreduceTo: 29599 });
  const byPath: Record<string, ReturnType<typeof params>> = {
    [dojoParameterPrefix(DOJO_ID)]: params({ managerAddress: '127.0.0.1', ports }),
    [dojoParameterPrefix(inactive)]: params({ status: 'deactivated' }, inactive),
  };
  mocks.ssm.on(GetParametersByPathCommand).callsFake((input: GetParametersByPathCommandInput) => ({ Parameters: byPath[input.Path ?? ''] ?? [] }));
  const ecs = new FakeEcs();
  ecs.install(mocks.ecs);
  const p = provider(t.home, new RecordingDeployer(), {
    openService: async () => ({ uri: hpo.url, close: async () => undefined }),
    wait: { pollMs: 0, timeoutMs: 60_000, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))) },
  });
  return {
    provider: p,
    activeDojo: DOJO_ID,
    inactiveDojo: inactive,
    foreignDojo: foreign,
    hpoUri: hpo.url,
    dataEnv: { DOJO_TRAIN_GLOB: 's3://dojo-bucket-x/data/train/part-*.csv', DOJO_VAL_GLOB: 's3://dojo-bucket-x/data/val/part-*.csv' },
    async workerEnvs(jobId, count) {
      // RunTask is awaited by startJob: every task exists once it returns.
      const envs = ecs.envs(jobId);
      if (envs.length < count) throw new Error(`${envs.length} of ${count} tasks started for ${jobId}`);
      return envs;
    },
    async killWorkers(jobId) {
      ecs.kill(jobId);
    },
    async close() {
      await ecs.close();
      await hpo.close();
      t.cleanup();
    },
  };
}

providerContract('aws (SDK mocks)', openAws);
