#!/usr/bin/env node
// The dojo CLI: wiring only. Commands live in lib/cli/commands/.
import { main } from '../lib/cli/main';

process.exitCode = await main(process.argv);
