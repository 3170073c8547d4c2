import type { UploadResult } from '../../../providers/provider';

/** Human-readable size. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The globs, one per line (stdout), for `-e DOJO_TRAIN_GLOB ...`. */
export function formatUpload(r: UploadResult): string[] {
  return [...r.globs];
}

/** One progress line. */
export function formatUploadProgress(done: number, total: number, key: string): string {
  const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `uploading ${pct}% ${formatBytes(done)} / ${formatBytes(total)} ${key}`;
}
