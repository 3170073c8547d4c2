#!/usr/bin/env node
// The CDK app (cdk.json "app"): one dojo stack per synthesis, chosen with `-c dojoId=...`.
import { App } from 'aws-cdk-lib';
import { addDojoStack } from '../lib/infra/app';
import { isDojoError } from '../lib/errors';

const app = new App();
try {
  addDojoStack(app);
} catch (e) {
  // Bad context is a usage error: one line, no stack trace.
  if (isDojoError(e)) {
    process.stderr.write(`dojo-app: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  throw e;
}
app.synth();
