// The S3 SDK is loaded on first use (import()): a worker or command reading local files never
// pays for loading it (about a tenth of a worker's start in a CPU profile, bench/README "Studies").
import type { S3Client } from '@aws-sdk/client-s3';
import { DojoError } from '../../../lib/errors';

/** The S3 SDK module, loaded once by the module system on the first call. */
function sdk(): Promise<typeof import('@aws-sdk/client-s3')> {
  return import('@aws-sdk/client-s3');
}

/** The S3 endpoint to use: the option, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the SDK's. */
export function s3Endpoint(option?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return option || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * A new S3 client for an endpoint, configured from `env` (region). Path-style addressing when an
 * endpoint is given (S3-compatible servers rarely serve virtual-host buckets on 127.0.0.1).
 * Checksums only WHEN_REQUIRED: with the SDK's default (WHEN_SUPPORTED) a streamed upload is sent
 * `aws-chunked` with a trailing CRC32, which servers that predate it (s3rver 3.7) store verbatim,
 * framing and all; and validating a CRC over every streamed GetObject would cost CPU the parser needs.
 */
export async function s3Client(endpoint?: string, env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  const { S3Client } = await sdk();
  return new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    // A bucket in another region than the client's answers 301: follow it rather than fail (a user's
    // data bucket need not be in AWS_REGION, and without it the default region is a guess).
    ...(endpoint ? { endpoint, forcePathStyle: true } : { followRegionRedirects: true }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The S3 clients of one owner (a worker process, a command, a reader), made from that owner's
 * environment and kept for its lifetime, one per endpoint: its connections are reused across the
 * objects it reads, and nothing is shared through module state.
 */
export class S3Clients {
  private readonly clients = new Map<string, Promise<S3Client>>();

  constructor(
    /** Where AWS_REGION and AWS_ENDPOINT_URL(_S3) are read. */
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The endpoint an option resolves to in this environment (see s3Endpoint). */
  endpoint(option?: string): string | undefined {
    return s3Endpoint(option, this.env);
  }

  /** The client for an endpoint (undefined: AWS itself), made on first use. */
  client(endpoint?: string): Promise<S3Client> {
    const key = endpoint ?? '';
    let c = this.clients.get(key);
    if (!c) {
      c = s3Client(endpoint, this.env);
      this.clients.set(key, c);
    }
    return c;
  }
}

/** Splits `s3://bucket/key` into bucket and key; a USAGE error naming the URL when malformed. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new DojoError('USAGE', `"${url}" is not an S3 URL: expected s3://bucket/prefix/part*.csv`);
  return { bucket: m[1]!, key: m[2]! };
}

/** Maps an SDK failure to one line naming the bucket and the AWS error code (no stack). */
export function s3Error(e: unknown, bucket: string, what: string, endpoint?: string): DojoError {
  if (e instanceof DojoError) return e;
  if (isServiceException(e)) {
    const code = e.name || `HTTP ${e.$metadata.httpStatusCode ?? '?'}`;
    const kind = code === 'NoSuchBucket' || code === 'NoSuchKey' ? 'NOT_FOUND' : 'AWS';
    const hint =
      code === 'NoSuchBucket'
        ? 'check the bucket name and the endpoint/region'
        : code === 'AccessDenied' || code === 'Forbidden' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch'
          ? 'check the credentials and the bucket policy'
          : 'see the AWS error code';
    return new DojoError(kind, `S3 bucket "${bucket}": ${code} while ${what} (${hint})`, { cause: e });
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code ?? err.name;
  const where = endpoint ? ` at ${endpoint}` : '';
  return new DojoError('UNAVAILABLE', `S3 bucket "${bucket}": ${code} while ${what}${where}: ${err.message}`, { cause: e });
}

/**
 * An AWS service's answer as the SDK throws it (S3ServiceException and its subclasses): told by its
 * `$fault` and `$metadata` rather than instanceof, so that mapping an error never loads the SDK.
 */
function isServiceException(e: unknown): e is Error & { $metadata: { httpStatusCode?: number } } {
  return e instanceof Error && '$fault' in e && typeof (e as { $metadata?: unknown }).$metadata === 'object';
}

/** One listed S3 object. */
export interface S3Listing {
  readonly key: string;
  readonly size: number;
  /** The object's ETag: changes whenever its content does. */
  readonly etag: string;
}

/** Lists every key under a prefix, following ListObjectsV2 continuation tokens. */
export async function listS3(clients: S3Clients, bucket: string, prefix: string, endpoint?: string): Promise<S3Listing[]> {
  const client = await clients.client(endpoint);
  const { ListObjectsV2Command } = await sdk();
  const out: S3Listing[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (e) {
      throw s3Error(e, bucket, `listing s3://${bucket}/${prefix}`, endpoint);
    }
    for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? '' });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Opens a streamed GetObject body as an async iterable of Buffers. */
export async function getS3Stream(clients: S3Clients, bucket: string, key: string, endpoint?: string): Promise<NodeJS.ReadableStream> {
  try {
    const { GetObjectCommand } = await sdk();
    const res = await (await clients.client(endpoint)).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = res.Body as NodeJS.ReadableStream | undefined;
    if (!body) throw new DojoError('AWS', `S3 bucket "${bucket}": GetObject s3://${bucket}/${key} returned no body`);
    return body;
  } catch (e) {
    throw s3Error(e, bucket, `reading s3://${bucket}/${key}`, endpoint);
  }
}
