// `dojo rm` on AWS: stop, scale to zero, lift scale-in protection, empty the bucket, destroy the
// stack, delete what CloudFormation does not own, then scan for anything left.
import { SetInstanceProtectionCommand, TerminateInstanceInAutoScalingGroupCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeStacksCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { BatchDeleteImageCommand } from '@aws-sdk/client-ecr';
import { DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DeleteObjectsCommand, ListObjectVersionsCommand, type ObjectIdentifier } from '@aws-sdk/client-s3';
import { DeleteParameterCommand, DeleteParametersCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { DojoError } from '../../errors';
import { DOJO_TAG_KEY, dojoParameterPrefix, dojoStackName } from '../../infra/parameters';
import type { DojoConfig, ProgressFn } from '../provider';
import type { AwsClients } from './clients';
import type { DeployTarget, StackDeployer } from './deploy';
import { describeAsgs } from './describe';
import { isAwsError } from './errors';
import { stopJobTasks, type WaitSettings } from './lifecycle';
import { cdkAssetRepository, cliConfigParameterName } from './names';
import { listParameters, managerServices, readDojoParams } from './params';
import { dojoLogGroups, paged, scanLeftovers, type ScanResult } from './scan';
import { dojoJobTaskDefinitions } from './task-families';
import { deleteTrackingSecrets } from './tracking-secrets';

/** What `dojo rm` needs. */
export interface TeardownDeps {
  readonly clients: AwsClients;
  readonly deployer: StackDeployer;
  readonly target: DeployTarget;
  readonly cfg: DojoConfig;
  /** Keep the bucket and the manager's data volume (`--keep-data`). */
  readonly keepData: boolean;
  /** The dojo's container asset tags recorded at deploy; found by synthesis when absent. */
  readonly assetImageTags?: readonly string[];
  readonly progress: ProgressFn;
  readonly wait: WaitSettings;
}

/** Lifts scale-in protection from every instance of the groups (what hangs a capacity-provider stack delete). */
export async function clearScaleInProtection(c: AwsClients, asgNames: readonly string[], progress: ProgressFn): Promise<number> {
  let n = 0;
  for (const g of await describeAsgs(c, asgNames)) {
    const ids = (g.Instances ?? []).filter((i) => i.ProtectedFromScaleIn).map((i) => i.InstanceId).filter((x): x is string => !!x);
    for (let i = 0; i < ids.length; i += 50) {
      progress(`lifting scale-in protection from ${ids.slice(i, i + 50).join(', ')} (${g.AutoScalingGroupName})`);
      await c.asg.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: g.AutoScalingGroupName, InstanceIds: ids.slice(i, i + 50), ProtectedFromScaleIn: false }));
    }
    n += ids.length;
  }
  return n;
}

/** Deletes every object version and delete marker of a bucket, 1000 per request. */
export async function emptyBucket(c: AwsClients, bucket: string, progress: ProgressFn): Promise<number> {
  let deleted = 0;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const r = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const objects: ObjectIdentifier[] = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])]
      .filter((v) => v.Key !== undefined)
      .map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000);
      const d = await c.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
      const err = d.Errors?.[0];
      if (err) throw new DojoError('AWS', `could not delete s3://${bucket}/${err.Key}: ${err.Code} ${err.Message ?? ''}`.trim());
      deleted += batch.length;
    }
    if (!r.IsTruncated) break;
    KeyMarker = r.NextKeyMarker;
    VersionIdMarker = r.NextVersionIdMarker;
  }
  if (deleted > 0) progress(`deleted ${deleted} object version(s) from s3://${bucket}`);
  return deleted;
}

async function stackExists(c: AwsClients, name: string): Promise<boolean> {
  try {
    const r = await c.cfn.send(new DescribeStacksCommand({ StackName: name }));
    return (r.Stacks ?? []).some((s) => s.StackStatus !== 'DELETE_COMPLETE');
  } catch (e) {
    if (isAwsError(e, 'ValidationError') && /does not exist/.test(String((e as Error).message))) return false;
    throw e;
  }
}

/** Live stacks named dojo-* other than ours: they may share the content-addressed asset images. */
async function otherDojoStacks(c: AwsClients, ours: string): Promise<string[]> {
  const live = ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'ROLLBACK_COMPLETE', 'DELETE_FAILED', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'IMPORT_COMPLETE'] as const;
  const stacks = await paged(async (NextToken) => {
    const r = await c.cfn.send(new ListStacksCommand({ StackStatusFilter: [...live], NextToken }));
    return { items: r.StackSummaries ?? [], next: r.NextToken };
  });
  return stacks.map((s) => s.StackName ?? '').filter((n) => n.startsWith('dojo-') && n !== ours);
}

async function waitNoInstances(d: TeardownDeps, asgs: readonly string[]): Promise<void> {
  const deadline = Date.now() + d.wait.timeoutMs;
  for (;;) {
    const left = (await describeAsgs(d.clients, asgs)).flatMap((g) => g.Instances ?? []);
    if (left.length === 0) return;
    if (Date.now() >= deadline) {
      // Terminate them outright: a registered container instance keeps the cluster from being deleted.
      for (const i of left) {
        d.progress(`terminating ${i.InstanceId} (${i.LifecycleState})`);
        await d.clients.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: i.InstanceId, ShouldDecrementDesiredCapacity: true }));
      }
      return;
    }
    d.progress(`waiting for ${left.length} instance(s) to terminate`);
    await d.wait.sleep(d.wait.pollMs);
  }
}

/** Removes the dojo and returns the scan of what is left. */
export async function removeDojo(d: TeardownDeps): Promise<ScanResult> {
  const { clients: c, cfg, progress } = d;
  const id = cfg.id;
  const stackName = dojoStackName(id);
  const params = (await readDojoParams(c.ssm, id)) ?? {};
  const vpcs = await c.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${DOJO_TAG_KEY}`, Values: [id] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  const asgs = [params.managerAsg, params.workerAsg].filter((x): x is string => !!x);

  if (params.cluster) {
    await stopJobTasks(c, params.cluster, undefined, `dojo rm ${id}`, progress);
    for (const s of managerServices(params)) {
      try {
        await c.ecs.send(new UpdateServiceCommand({ cluster: params.cluster, service: s, desiredCount: 0 }));
      } catch (e) {
        if (!isAwsError(e, 'ServiceNotFoundException', 'ServiceNotActiveException', 'ClusterNotFoundException')) throw e;
      }
    }
  }
  for (const name of asgs) {
    progress(`scaling ${name} to 0 instances`);
    await c.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, DesiredCapacity: 0 }));
  }
  await clearScaleInProtection(c, asgs, progress);
  await waitNoInstances(d, asgs);

  if (params.bucket && !d.keepData) {
    try {
      await emptyBucket(c, params.bucket, progress);
    } catch (e) {
      if (!isAwsError(e, 'NoSuchBucket')) throw e;
    }
  }

  const exists = await stackExists(c, stackName);
  // Asset tags recorded at deploy; a stack deployed by `npx cdk deploy` is synthesized to find them.
  const tags = d.assetImageTags ?? (exists ? (await d.deployer.synth(d.target)).assetImageTags : []);
  const target: DeployTarget = d.keepData ? { ...d.target, context: { ...d.target.context, keepData: 'true' } } : d.target;
  if (exists) {
    if (d.keepData) {
      progress(`updating ${stackName} to retain the bucket and the data volume (--keep-data)`);
      await d.deployer.deploy(target, progress);
    }
    progress(`destroying stack ${stackName}`);
    try {
      await d.deployer.destroy(target, progress);
    } catch (e) {
      // The known hang/failure: an instance protected from scale-in (or still registered) keeps
      // the capacity provider, the ASG and the cluster alive. Lift protection, terminate, retry once.
      progress(`destroy failed (${(e as Error).message.split('\n')[0]}); lifting scale-in protection and retrying`);
      await clearScaleInProtection(c, asgs, progress);
      await waitNoInstances({ ...d, wait: { ...d.wait, timeoutMs: 0 } }, asgs);
      await d.deployer.destroy(target, progress);
    }
  }

  const leftParams = (await listParameters(c.ssm, dojoParameterPrefix(id))).map((p) => p.Name).filter((n): n is string => !!n);
  for (let i = 0; i < leftParams.length; i += 10) {
    await c.ssm.send(new DeleteParametersCommand({ Names: leftParams.slice(i, i + 10) }));
  }
  if (cfg.trackingUri) await deleteTrackingSecrets(c.ssm, cfg);
  try {
    await c.ssm.send(new DeleteParameterCommand({ Name: cliConfigParameterName(id) }));
  } catch (e) {
    if (!isAwsError(e, 'ParameterNotFound')) throw e;
  }
  for (const g of await dojoLogGroups(c, stackName)) {
    progress(`deleting log group ${g}`);
    await c.logs.send(new DeleteLogGroupCommand({ logGroupName: g }));
  }
  // Command jobs' task definitions (and those of `--image` jobs of earlier versions): deregistered, then deleted.
  const defs = await dojoJobTaskDefinitions(c, id);
  for (const td of defs) await c.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: td }));
  if (defs.length > 0) {
    progress(`deregistered ${defs.length} job task definition(s)`);
    await deleteTaskDefinitions(c, defs, progress);
  }

  const account = (await c.sts.send(new GetCallerIdentityCommand({}))).Account;
  const repo = account ? cdkAssetRepository(account, c.region) : undefined;
  const others = await otherDojoStacks(c, stackName);
  if (repo && tags.length > 0 && others.length === 0) {
    try {
      const r = await c.ecr.send(new BatchDeleteImageCommand({ repositoryName: repo, imageIds: tags.map((imageTag) => ({ imageTag })) }));
      if ((r.imageIds ?? []).length > 0) progress(`deleted ${r.imageIds?.length} asset image(s) from ${repo}`);
    } catch (e) {
      if (!isAwsError(e, 'RepositoryNotFoundException')) throw e;
    }
  } else if (others.length > 0) {
    progress(`keeping the asset images in ${repo}: stack(s) ${others.join(', ')} may use them`);
  }

  progress('scanning for anything left');
  return scanLeftovers(c, {
    dojoId: id,
    stackName,
    vpcId,
    bucket: params.bucket,
    kept: d.keepData ? { bucket: params.bucket, volumeId: params.managerVolume } : {},
    assetRepository: repo,
    assetImageTags: tags,
    sharedImages: others.length > 0,
  });
}

// Deletes INACTIVE task definitions (10 per call). A region or endpoint without the API keeps them INACTIVE, which bills nothing.
async function deleteTaskDefinitions(c: AwsClients, arns: readonly string[], progress: ProgressFn): Promise<void> {
  for (let i = 0; i < arns.length; i += 10) {
    try {
      await c.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: arns.slice(i, i + 10) }));
    } catch (e) {
      progress(`kept ${arns.length - i} deregistered (INACTIVE) task definition(s): ${(e as Error).message}`);
      return;
    }
  }
}
