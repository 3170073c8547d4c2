// The AWS SDK v3 clients of one region, created in one place so that tests mock them at the
// client boundary (aws-sdk-client-mock) and every call of the provider goes through them.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { DojoError } from '../../errors';

/** Every client the AWS provider uses, all for one region. */
export interface AwsClients {
  readonly region: string;
  readonly s3: S3Client;
  readonly ec2: EC2Client;
  readonly ecs: ECSClient;
  readonly ssm: SSMClient;
  readonly cfn: CloudFormationClient;
  readonly logs: CloudWatchLogsClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
  readonly asg: AutoScalingClient;
  readonly sts: STSClient;
  readonly ecr: ECRClient;
}

/** How to build the clients. */
export interface AwsClientOptions {
  /** The dojo's region (recorded by `dojo init`). */
  readonly region: string;
  /** @default - the SDK's default credential chain (env, profile, SSO, instance role) */
  readonly credentials?: S3ClientConfig['credentials'];
  /**
   * An S3-compatible endpoint, addressed path-style (MinIO, emulators and s3rver have no wildcard DNS).
   * @default - AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the regional AWS endpoint
   */
  readonly s3Endpoint?: string;
  /** Where the endpoint variables are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The S3 endpoint of the options or the environment (the SDK reads these too, but not path-style). */
export function s3EndpointOf(o: Pick<AwsClientOptions, 's3Endpoint' | 'env'>): string | undefined {
  const env = o.env ?? process.env;
  return o.s3Endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/** Creates the clients of one region. Nothing is sent until a command runs. */
export function createAwsClients(o: AwsClientOptions): AwsClients {
  const base = { region: o.region, credentials: o.credentials };
  const s3Endpoint = s3EndpointOf(o);
  return {
    region: o.region,
    s3: new S3Client(
      s3Endpoint
        ? { ...base, endpoint: s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
        : // `dojo data put` may target a bucket outside the dojo's region: follow S3's 301.
          { ...base, followRegionRedirects: true },
    ),
    ec2: new EC2Client(base),
    ecs: new ECSClient(base),
    ssm: new SSMClient(base),
    cfn: new CloudFormationClient(base),
    logs: new CloudWatchLogsClient(base),
    tagging: new ResourceGroupsTaggingAPIClient(base),
    asg: new AutoScalingClient(base),
    sts: new STSClient(base),
    ecr: new ECRClient(base),
  };
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * The region a new dojo goes to: --region, else AWS_REGION / AWS_DEFAULT_REGION, else the
 * profile's region (~/.aws/config), else a usage error saying how to choose one.
 */
export async function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let region = flag ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    try {
      region = await new STSClient({}).config.region();
    } catch {
      region = undefined;
    }
  }
  if (!region) {
    throw new DojoError('USAGE', 'no AWS region: pass --region (e.g. --region us-east-1), set AWS_REGION, or set a region in ~/.aws/config');
  }
  if (!REGION.test(region)) {
    throw new DojoError('USAGE', `--region: "${region}" is not an AWS region name (e.g. us-east-1, eu-west-2)`);
  }
  return region;
}
