#!/usr/bin/env node
// The dojo CLI: wiring only. Commands live in lib/cli/commands/.
import { main } from '../lib/cli/main';

// The AWS SDK warns on every process under Node < 22 that *future* SDK releases will need it.
// Our lockfile pins the SDK, so the notice is for dojo's maintainers (tracked on the issues),
// not something a user can act on; it would otherwise cover every S3 and AWS command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv);
