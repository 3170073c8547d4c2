import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../lib/cli/main';
import { memoryIo } from '../../../lib/cli/io';
import { deniedAction, isProgrammingError, mapAwsErrors, toDojoError } from '../../../lib/providers/aws/errors';
import { DOJO_ID, RecordingDeployer, awsMocks, provider, tempHome } from './harness';

const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
beforeEach(() => {
  mocks.reset();
  t = tempHome();
});
afterEach(() => t.cleanup());
afterAll(() => mocks.restore());

const sdkError = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, $metadata: {}, ...extra });

describe('AWS errors become one line that says what to do', () => {
  const cases: [string, Error, string][] = [
    [
      'missing credentials',
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      `dojo inspect ${DOJO_ID}: no AWS credentials found; run \`aws configure\` (or \`aws sso login --profile P\` and set AWS_PROFILE=P), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    ],
    [
      'rejected credentials',
      sdkError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
      `dojo inspect ${DOJO_ID}: AWS rejected the credentials (UnrecognizedClientException) in eu-west-1; refresh them (\`aws sso login\`, new access keys) or check that the region is enabled for the account`,
    ],
    [
      'invalid access key (STS/EC2 spelling)',
      sdkError('InvalidClientTokenId', 'The security token included in the request is invalid'),
      `dojo inspect ${DOJO_ID}: AWS rejected the credentials (InvalidClientTokenId) in eu-west-1; refresh them (\`aws sso login\`, new access keys) or check that the region is enabled for the account`,
    ],
    [
      'missing permission',
      sdkError('AccessDeniedException', 'User: arn:aws:iam::111122223333:user/ann is not authorized to perform: ssm:GetParametersByPath on resource: arn:aws:ssm:eu-west-1:111122223333:parameter/dojo/x because no identity-based policy allows the ssm:GetParametersByPath action'),
      `dojo inspect ${DOJO_ID}: permission denied for ssm:GetParametersByPath (AccessDeniedException); give the IAM user or role the permissions listed in README "Deploying to a real AWS account"`,
    ],
    [
      'wrong region (no such endpoint)',
      sdkError('Error', 'getaddrinfo ENOTFOUND ssm.eu-west-1.amazonaws.com', { code: 'ENOTFOUND' }),
      `dojo inspect ${DOJO_ID}: cannot reach AWS in region "eu-west-1" (ENOTFOUND): check the region name (e.g. us-east-1) and the network connection`,
    ],
  ];
  for (const [what, err, line] of cases) {
    it(`${what} (through the provider)`, async () => {
      mocks.ssm.on(GetParametersByPathCommand).rejects(err);
      const e = await provider(t.home, new RecordingDeployer()).inspect(DOJO_ID).catch((x: unknown) => x);
      expect(e).toMatchObject({ name: 'DojoError', code: 'AWS', message: line });
      expect((e as Error).message).not.toContain('\n');
    });
  }

  it('an unbootstrapped account (toolkit-lib\'s bootstrap error on deploy)', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    const d = new RecordingDeployer();
    d.onDeploy = () => {
      throw new Error("SSM parameter /cdk-bootstrap/hnb659fds/version not found. Has the environment been bootstrapped? Please run 'cdk bootstrap' (see https://docs.aws.amazon.com/cdk/latest/guide/bootstrapping.html)");
    };
    await expect(provider(t.home, d).activate(DOJO_ID)).rejects.toMatchObject({
      code: 'AWS',
      message: `dojo activate ${DOJO_ID}: the account is not CDK-bootstrapped in eu-west-1; run \`npx cdk bootstrap aws://$(aws sts get-caller-identity --query Account --output text)/eu-west-1\` once, then try again`,
    });
  });

  it('the CLI prints it once, as one line, exit 1, no stack', async () => {
    mocks.ssm.on(GetParametersByPathCommand).rejects(sdkError('ExpiredTokenException', 'The security token included in the request is expired'));
    const io = memoryIo({ DOJO_HOME: t.home });
    const code = await main(['node', 'dojo', 'inspect', DOJO_ID], io);
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      `dojo: dojo inspect ${DOJO_ID}: AWS rejected the credentials (ExpiredTokenException) in eu-west-1; refresh them (\`aws sso login\`, new access keys) or check that the region is enabled for the account`,
    ]);
    expect(io.stdout).toEqual([]);
  });

  it('throttling and unknown errors keep the SDK code and the first line of the message', () => {
    expect(toDojoError(sdkError('ThrottlingException', 'Rate exceeded'), { region: 'us-east-1' }).message).toBe('AWS is throttling the calls (ThrottlingException); wait a minute and try again');
    expect(toDojoError(sdkError('InvalidParameterException', 'bad thing\nmore'), { region: 'us-east-1' }).message).toBe('AWS call failed in us-east-1: InvalidParameterException: bad thing');
    expect(deniedAction('... is not authorized to perform: ecs:RunTask on resource ...')).toBe('ecs:RunTask');
  });

  it("a fault of dojo's own code is not reported as a failed AWS call", async () => {
    const bug = new TypeError('Upload is not a constructor');
    expect(isProgrammingError(bug)).toBe(true);
    await expect(mapAwsErrors({ region: 'us-east-1', doing: 'dojo data put d' }, () => Promise.reject(bug))).rejects.toBe(bug);
    // The SDK's own TypeErrors with metadata, and network errors with a code, are still AWS failures.
    expect(isProgrammingError(Object.assign(new TypeError('x'), { $metadata: {} }))).toBe(false);
    const net = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(mapAwsErrors({ region: 'us-east-1' }, () => Promise.reject(net))).rejects.toThrow(/AWS call failed in us-east-1/);
  });
});
