// Refuses an output path that is one of the command's inputs (the same file by another path, a
// symlink or a hard link included): `predict --output in.csv`, `model export --out m.dojo` onto its
// model. Compared by device and inode, so spelling the path differently does not slip through.
import { statSync } from 'node:fs';
import { usageError } from '../errors';
import { resolveGlob } from '../../runtime/src/data';

/** An input of the command: its flag and value (a local path or glob; remote URIs are not local files). */
export interface CommandInput {
  readonly flag: string;
  readonly value: string;
}

/** True for inputs that are not files on this machine (s3://, runs:/, models:/, http://...). */
function isRemote(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\//i.test(value) && !value.startsWith('file://');
}

/** Throws a usage error (exit 2) when `out` is an existing file that one of the inputs reads. */
export async function refuseOverwrite(out: { readonly flag: string; readonly path: string }, inputs: readonly CommandInput[]): Promise<void> {
  const target = statSync(out.path, { throwIfNoEntry: false });
  // A path that does not exist yet (or is not a file) cannot be an input file.
  if (!target?.isFile()) return;
  for (const input of inputs) {
    if (isRemote(input.value)) continue;
    const files = await resolveGlob(input.value).catch(() => []);
    for (const f of files) {
      if (f.kind !== 'file') continue;
      const st = statSync(f.path, { throwIfNoEntry: false });
      if (st && st.dev === target.dev && st.ino === target.ino) {
        throw usageError(`${out.flag} ${out.path}: that is the ${input.flag} file ${f.path}; writing it would destroy the input — choose another ${out.flag} path`);
      }
    }
  }
}
