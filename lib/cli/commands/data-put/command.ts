import type { CommandSpec } from '../../spec';

/** `dojo data put LOCAL_DIR ID [--prefix P]`: data to an AWS dojo's bucket. */
export const dataPutCommand: CommandSpec = {
  name: 'data put',
  description: 'upload a local folder to an AWS dojo\'s bucket (data/<prefix>/) and print the s3:// globs to train on',
  configure: (cmd) =>
    cmd
      .argument('<local-dir>', 'folder to upload (hidden files are skipped)')
      .argument('<id>', 'dojo id')
      .option('--prefix <p>', 'key prefix under data/ (default: the folder name)')
      .option('--json', 'print the result as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
