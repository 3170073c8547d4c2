import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { literalPrefix, resolveGlob } from '../../../runtime/src/data';
import { tempDir } from './fixtures';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  for (const f of ['part-10.csv', 'part-02.csv', 'part-1.csv', 'other.csv', 'sub/part-3.csv', 'sub/deeper/part-4.csv']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
});
afterEach(() => cleanup());

const names = async (glob: string): Promise<string[]> => (await resolveGlob(glob)).map((r) => relative(dir, r.name));

describe('resolveGlob (local)', () => {
  it('matches absolute globs, sorted by name; * does not cross directories', async () => {
    expect(await names(join(dir, 'part*.csv'))).toEqual(['part-02.csv', 'part-1.csv', 'part-10.csv']);
    expect(await names(join(dir, '*/part-*.csv'))).toEqual(['sub/part-3.csv']);
    expect(await names(join(dir, '**/part-*.csv'))).toEqual(['part-02.csv', 'part-1.csv', 'part-10.csv', 'sub/deeper/part-4.csv', 'sub/part-3.csv']);
  });

  it('takes file:// URLs, relative paths and a single file', async () => {
    expect(await names(`file://${dir}/part-?.csv`)).toEqual(['part-1.csv']);
    expect(await names(relative(process.cwd(), join(dir, 'part-1*.csv')))).toEqual(['part-1.csv', 'part-10.csv']);
    const [ref] = await resolveGlob(join(dir, 'other.csv'));
    expect(ref).toMatchObject({ kind: 'file', name: join(dir, 'other.csv'), path: join(dir, 'other.csv'), size: 1 });
    expect(ref!.version).toMatch(/^1:\d+$/);
  });

  it('says no objects match, for a pattern, a missing file and a missing directory', async () => {
    for (const g of [join(dir, 'nope*.csv'), join(dir, 'nope.csv'), join(dir, 'missing-dir', '*.csv')]) {
      await expect(resolveGlob(g)).rejects.toThrow(`no objects match ${g}`);
    }
    await expect(resolveGlob('file://relative/x.csv')).rejects.toThrow('"file://relative/x.csv" is not an absolute file URL');
  });
});

describe('literalPrefix', () => {
  it('is the key up to the first glob character', () => {
    expect(literalPrefix('data/train/part-*.csv')).toBe('data/train/part-');
    expect(literalPrefix('data/part-?.csv')).toBe('data/part-');
    expect(literalPrefix('data/{a,b}/x.csv')).toBe('data/');
    expect(literalPrefix('data/x.csv')).toBe('data/x.csv');
  });
});
