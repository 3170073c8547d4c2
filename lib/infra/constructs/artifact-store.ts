import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Prefix of the training data in the dojo bucket. */
export const DATA_PREFIX = 'data/';
/** Prefix of the MLflow artifacts in the dojo bucket. */
export const ARTIFACTS_PREFIX = 'artifacts/';

/** Props of ArtifactStore. */
export interface ArtifactStoreProps {
  /**
   * Keep the bucket (and its objects) when the dojo is destroyed.
   * @default false - the bucket and every object in it are deleted with the stack
   */
  readonly keepData?: boolean;
  /**
   * Days after which incomplete multipart uploads are aborted.
   * @default 1
   */
  readonly abortIncompleteUploadsAfterDays?: number;
}

/**
 * The dojo bucket: training data under `data/`, MLflow artifacts under `artifacts/`. Encrypted,
 * private, TLS-only, unversioned; grants are per prefix, never bucket-wide.
 */
export class ArtifactStore extends Construct {
  /** The bucket. */
  public readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps = {}) {
    super(scope, id);
    const keep = props.keepData ?? false;
    const abortDays = props.abortIncompleteUploadsAfterDays ?? 1;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(abortDays) }],
      removalPolicy: keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !keep,
    });
  }

  /** Lets `grantee` list and read `data/` and nothing else. */
  public grantReadData(grantee: iam.IGrantable): void {
    this.grantPrefix(grantee, DATA_PREFIX, ['s3:GetObject']);
  }

  /** Lets `grantee` write (not read or delete) objects under `artifacts/`. */
  public grantWriteArtifacts(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects(`${ARTIFACTS_PREFIX}*`)],
      }),
    );
  }

  /** Lets `grantee` list and read (not write or delete) objects under `artifacts/`. */
  public grantReadArtifacts(grantee: iam.IGrantable): void {
    this.grantPrefix(grantee, ARTIFACTS_PREFIX, ['s3:GetObject']);
  }

  /** Lets `grantee` list, read, write and delete under `artifacts/` (the MLflow server). */
  public grantReadWriteArtifacts(grantee: iam.IGrantable): void {
    this.grantPrefix(grantee, ARTIFACTS_PREFIX, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']);
  }

  private grantPrefix(grantee: iam.IGrantable, prefix: string, objectActions: string[]): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: objectActions, resources: [this.bucket.arnForObjects(`${prefix}*`)] }));
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      }),
    );
  }
}
