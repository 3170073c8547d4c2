// Turns what the AWS SDK and toolkit-lib throw into one-line DojoErrors that say what to do.
// Errors are recognised by their `name` (the SDK's error code), falling back to the message for
// errors that carry none (credential chain, endpoint resolution, toolkit-lib).
import { DojoError, isDojoError } from '../../errors';

/** What the failing call was doing, for the message. */
export interface AwsErrorContext {
  /** The region the clients were built for. */
  readonly region: string;
  /** e.g. "dojo activate dojo-3f9a0c1e". */
  readonly doing?: string;
}

const CREDENTIALS_REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'UnauthorizedException']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

function nameOf(e: unknown): string {
  // A plain Error's name says nothing; SDK errors carry their service error code as name.
  if (e && typeof e === 'object' && 'name' in e && typeof e.name === 'string' && e.name !== 'Error') return e.name;
  return '';
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** `ecs:RunTask` from "User: arn:... is not authorized to perform: ecs:RunTask on resource: ...". */
export function deniedAction(message: string): string | undefined {
  return /perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
}

/** The one-line DojoError for an error thrown by an AWS call (DojoErrors pass through unchanged). */
export function toDojoError(e: unknown, ctx: AwsErrorContext): DojoError {
  if (isDojoError(e)) return e;
  const name = nameOf(e);
  const msg = messageOf(e);
  const doing = ctx.doing ? `${ctx.doing}: ` : '';
  const wrap = (text: string) => new DojoError('AWS', `${doing}${text}`, { cause: e });

  // toolkit-lib says UnresolvedAccount when no credentials resolve to an account.
  if (name === 'CredentialsProviderError' || name === 'UnresolvedAccount' || /could not load credentials|credential.*(missing|not found)|unable to resolve aws account/i.test(msg)) {
    return wrap('no AWS credentials found; run `aws configure` (or `aws sso login --profile P` and set AWS_PROFILE=P), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  if (CREDENTIALS_REJECTED.has(name)) {
    return wrap(`AWS rejected the credentials (${name}) in ${ctx.region}; refresh them (\`aws sso login\`, new access keys) or check that the region is enabled for the account`);
  }
  if (/ssm parameter \/cdk-bootstrap\/|has the environment been bootstrapped|cdk bootstrap/i.test(msg)) {
    // Works anywhere, the dojo checkout included (its app synthesizes without -c dojoId).
    return wrap(
      `the account is not CDK-bootstrapped in ${ctx.region}; run \`npx cdk bootstrap aws://$(aws sts get-caller-identity --query Account --output text)/${ctx.region}\` once, then try again`,
    );
  }
  if (ACCESS_DENIED.has(name) || /not authorized to perform|access denied/i.test(msg)) {
    const action = deniedAction(msg);
    return wrap(
      `permission denied${action ? ` for ${action}` : ''} (${name || 'AccessDenied'}); give the IAM user or role the permissions listed in README "Deploying to a real AWS account"`,
    );
  }
  const code = e && typeof e === 'object' && 'code' in e ? String(e.code) : '';
  if (/region is missing/i.test(msg)) {
    return wrap('no AWS region; pass --region to `dojo init` or set AWS_REGION');
  }
  if (/invalid region|region.*(not valid|is invalid)|getaddrinfo ENOTFOUND/i.test(msg) || code === 'ENOTFOUND' || name === 'InvalidRegion') {
    return wrap(`cannot reach AWS in region "${ctx.region}" (${name || code || 'network'}): check the region name (e.g. us-east-1) and the network connection`);
  }
  if (THROTTLED.has(name)) return wrap(`AWS is throttling the calls (${name}); wait a minute and try again`);
  return wrap(`AWS call failed in ${ctx.region}: ${name ? `${name}: ` : ''}${msg.split('\n')[0]}`);
}

/**
 * True for a fault of dojo's own code (a TypeError, ReferenceError, ...) rather than of an AWS call:
 * the SDK's service errors carry `$metadata`, its network errors a system `code`, and neither is one
 * of these JavaScript error classes.
 */
export function isProgrammingError(e: unknown): boolean {
  if (!(e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError)) return false;
  return !(typeof e === 'object' && ('$metadata' in e || '$fault' in e || 'code' in e));
}

/** Runs fn, rethrowing an AWS failure as the mapped one-line DojoError (dojo's own bugs pass through as bugs). */
export async function mapAwsErrors<T>(ctx: AwsErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isProgrammingError(e)) throw e;
    throw toDojoError(e, ctx);
  }
}

/** True when e is the SDK error `name` (e.g. ParameterNotFound). */
export function isAwsError(e: unknown, ...names: string[]): boolean {
  return names.includes(nameOf(e));
}
