#!/usr/bin/env node
// The CDK app (cdk.json "app"): one dojo stack per synthesis, chosen with `-c dojoId=...`. Without a
// dojoId it holds only a stack that refuses to deploy, so that account-level commands
// (`npx cdk bootstrap aws://ACCOUNT/REGION`) work inside the checkout too.
import { App } from 'aws-cdk-lib';
import { addDojoStack, addNoDojoStack } from '../lib/infra/app';
import { isDojoError } from '../lib/errors';

const app = new App();
if (app.node.tryGetContext('dojoId') === undefined) {
  process.stderr.write('dojo-app: no -c dojoId=<id>: no dojo stack (fine for `cdk bootstrap`; synth and deploy a dojo with -c dojoId=<id>)\n');
  addNoDojoStack(app);
} else {
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
}
app.synth();
