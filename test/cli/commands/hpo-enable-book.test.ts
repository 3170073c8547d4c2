// `dojo hpo enable` with the book's flags (ch. 12): `--image IMG --num-runs 1 --service-prefix hpo
// --service-name DcTaxiHpoService --port 5001 5001 JOB`, no space file (the book's HPO service defines
// its space in code, built into dojo), the job written after `--port`'s two values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOOK_SPACE_SOURCE, bookSpace } from '../../../lib/cli/commands/hpo-enable/book-space';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { loadJob } from '../../../lib/providers/state';
import { builtinKind } from '../../../runtime/src/worker/kind';
import { trialHParams } from '../../../runtime/src/worker/hparams';
import { parseHParams } from '../../../runtime/src/model/hparams';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dojo-hpo-book-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function dojo(...args: string[]) {
  const io = memoryIo({ DOJO_HOME: home });
  const code = await main(['node', 'dojo', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

async function newJob(): Promise<string> {
  const dojoId = (await dojo('dojo', 'init', '--provider', 'local')).out[0]!;
  return (await dojo('job', 'create', '--dojo', dojoId, '--image', 'someone/dctaxi:latest')).out[0]!;
}

const BOOK_FLAGS = ['--image', 'someone/dctaxi-hpo:latest', '--num-runs', '1', '--service-prefix', 'hpo', '--service-name', 'DcTaxiHpoService', '--port', '5001', '5001'];

describe("the book's DcTaxiHpoService space", () => {
  it('is the chapter\'s hparams() as a flat space, and every bound and choice is one the built-in job kind accepts', () => {
    const space = bookSpace();
    expect(space).toMatchObject({
      seed: { type: 'int', low: 0, high: 2147483646 },
      optimizer: { type: 'categorical', choices: ['Adam'] },
      lr: { type: 'float', low: 0.001, high: 0.1, log: true },
      num_layers: { type: 'categorical', choices: [11, 13, 17, 19] },
      num_neurons_l0: { type: 'categorical', choices: [7, 11, 13, 19, 23] },
      num_neurons_l18: { type: 'categorical', choices: [7, 11, 13, 19, 23] },
      batch_size: { type: 'categorical', choices: [65536, 131072, 262144, 524288, 1048576, 2097152] },
      max_batches: { type: 'int', low: 40, high: 400, log: true },
    });
    expect(space.num_neurons_l19).toBeUndefined();
    expect(() => builtinKind.checkSpace(space, BOOK_SPACE_SOURCE)).not.toThrow();
    // a trial of 11 layers takes the first 11 widths, as the book's list comprehension does
    const widths = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`num_neurons_l${i}`, [7, 11, 13, 19, 23][i % 5]!]));
    const hp = parseHParams(trialHParams({ seed: 5, optimizer: 'Adam', lr: 0.01, num_layers: 11, ...widths, batch_size: 65536, max_batches: 40 }), 'trial');
    expect(hp.num_hidden_neurons).toEqual([7, 11, 13, 19, 23, 7, 11, 13, 19, 23, 7]);
  });
});

describe("dojo hpo enable with the book's flags", () => {
  it('records the book\'s space and num-runs, and says in one stderr line that the image and port are not used', async () => {
    const job = await newJob();
    const r = await dojo('hpo', 'enable', ...BOOK_FLAGS, job);
    expect(r.code).toBe(0);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^note: --image someone\/dctaxi-hpo:latest is not run \(dojo's own HPO service serves every study.*hpo\.DcTaxiHpoService: the study searches the book's DcTaxiHpoService space, built in.*--port 5001 5001 is not used/);
    expect(r.out).toContain("JOB_HPO_SPACE='hpo.DcTaxiHpoService (built in, from the book)'");
    expect(loadJob(home, job).hpo).toMatchObject({ space: bookSpace(), spaceFile: BOOK_SPACE_SOURCE, numRuns: 1, parallel: 1, metric: 'val_rmse' });
  });

  it('takes the job before the flags too, and defaults to the book\'s space without any of them', async () => {
    const job = await newJob();
    expect((await dojo('hpo', 'enable', job, '--port', '5001', '5001', '--num-runs', '2')).code).toBe(0);
    const other = await newJob();
    const r = await dojo('hpo', 'enable', other, '--num-runs', '2');
    expect(r.code).toBe(0);
    expect(r.err).toEqual([`note: no --space: the study searches the book's DcTaxiHpoService space, built in (README "From the book")`]);
    expect(loadJob(home, other).hpo?.space).toEqual(bookSpace());
  });

  it('uses --space over the book\'s service, saying the service flags are unused', async () => {
    const job = await newJob();
    const f = join(home, 'space.json');
    writeFileSync(f, JSON.stringify({ lr: { type: 'float', low: 0.001, high: 0.1, log: true } }));
    const r = await dojo('hpo', 'enable', '--space', f, ...BOOK_FLAGS.slice(2), job);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toContain("--service-prefix/--service-name hpo.DcTaxiHpoService is not used (the space is --space's)");
    expect(loadJob(home, job).hpo?.space).toEqual({ lr: { type: 'float', low: 0.001, high: 0.1, log: true } });
  });

  it('refuses with exit 2 and one line: a bad --port, a job given twice or not at all, another service without --space', async () => {
    const job = await newJob();
    const cases: [string[], string][] = [
      [['--num-runs', '1', '--port', '5001', job], `dojo: --port 5001 ${job}: "${job}" is not a port (1 to 65535)`],
      [['--num-runs', '1', job, '--port', '5001'], `dojo: --port 5001: give two ports, HOST CONTAINER (the book's --port 5001 5001)`],
      [['--num-runs', '1', '--port', '5001', '70000', job], 'dojo: --port 5001 70000: "70000" is not a port (1 to 65535)'],
      [['--num-runs', '1', '--port', '5001', '5001', job, job], `dojo: --port 5001 5001 ${job} ${job}: takes two ports, HOST CONTAINER; then the job id once`],
      [['--num-runs', '1', '--port', '5001', '5001'], 'dojo: missing the job id: dojo hpo enable [options] JOB'],
      [['--num-runs', '1', '--service-name', 'MyHpoService', job], "dojo: --service-name MyHpoService: dojo knows the search space of the book's DcTaxiHpoService only; give this service's space with --space FILE"],
    ];
    for (const [args, message] of cases) {
      const r = await dojo('hpo', 'enable', ...args);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 2, err: [message] });
    }
    expect(loadJob(home, job).hpo).toBeUndefined();
  });
});
