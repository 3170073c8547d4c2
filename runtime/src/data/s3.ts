import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DojoError } from '../../../lib/errors';

const clients = new Map<string, S3Client>();

/** The S3 endpoint to use: the option, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the SDK's. */
export function s3Endpoint(option?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return option || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * A cached S3 client for an endpoint. Path-style addressing when an endpoint is given (S3-compatible
 * servers rarely serve virtual-host buckets on 127.0.0.1). Checksums only WHEN_REQUIRED: with the
 * SDK's default (WHEN_SUPPORTED) a streamed upload is sent `aws-chunked` with a trailing CRC32,
 * which servers that predate it (s3rver 3.7) store verbatim, framing and all; and validating a CRC
 * over every streamed GetObject would cost CPU the parser needs.
 */
export function s3Client(endpoint?: string): S3Client {
  const key = endpoint ?? '';
  let client = clients.get(key);
  if (!client) {
    client = new S3Client({
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
      // A bucket in another region than the client's answers 301: follow it rather than fail (a user's
      // data bucket need not be in AWS_REGION, and without it the default region is a guess).
      ...(endpoint ? { endpoint, forcePathStyle: true } : { followRegionRedirects: true }),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.set(key, client);
  }
  return client;
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
  if (e instanceof S3ServiceException) {
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

/** One listed S3 object. */
export interface S3Listing {
  readonly key: string;
  readonly size: number;
}

/** Lists every key under a prefix, following ListObjectsV2 continuation tokens. */
export async function listS3(bucket: string, prefix: string, endpoint?: string): Promise<S3Listing[]> {
  const client = s3Client(endpoint);
  const out: S3Listing[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (e) {
      throw s3Error(e, bucket, `listing s3://${bucket}/${prefix}`, endpoint);
    }
    for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Opens a streamed GetObject body as an async iterable of Buffers. */
export async function getS3Stream(bucket: string, key: string, endpoint?: string): Promise<NodeJS.ReadableStream> {
  try {
    const res = await s3Client(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = res.Body as NodeJS.ReadableStream | undefined;
    if (!body) throw new DojoError('AWS', `S3 bucket "${bucket}": GetObject s3://${bucket}/${key} returned no body`);
    return body;
  } catch (e) {
    throw s3Error(e, bucket, `reading s3://${bucket}/${key}`, endpoint);
  }
}
