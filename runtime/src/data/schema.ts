import { DojoError } from '../../../lib/errors';

/** The 9 CSV columns of the DC-taxi data, in file order: the label (fare) first, then the 8 features. */
export const CSV_HEADER = [
  'fareamount_double',
  'origin_block_latitude_double',
  'origin_block_longitude_double',
  'destination_block_latitude_double',
  'destination_block_longitude_double',
  'year_integer',
  'month_integer',
  'dow_integer',
  'hour_integer',
] as const;

/** The label column's name (the first CSV column). */
export const LABEL_NAME = CSV_HEADER[0];

/** The 8 feature names, in the order of a batch's x columns. */
export const FEATURE_NAMES: readonly string[] = CSV_HEADER.slice(1);

/** Number of CSV columns (label + features). */
export const NUM_COLUMNS = CSV_HEADER.length;

/** Number of features per row (x columns). */
export const NUM_FEATURES = NUM_COLUMNS - 1;

/**
 * Checks a header line (BOM and line end already removed) and throws a BAD_DATA error naming the
 * file and the first column that differs from CSV_HEADER.
 */
export function checkHeader(line: string, file: string): void {
  const names = line.split(',').map((s) => s.trim());
  const expected = CSV_HEADER.join(',');
  for (let i = 0; i < NUM_COLUMNS; i++) {
    if (names[i] === undefined) {
      throw new DojoError(
        'BAD_DATA',
        `${file}:1: header has ${names.length} columns, expected ${NUM_COLUMNS}: column ${i + 1} "${CSV_HEADER[i]}" is missing (expected header: ${expected})`,
      );
    }
    if (names[i] !== CSV_HEADER[i]) {
      throw new DojoError(
        'BAD_DATA',
        `${file}:1: header column ${i + 1} is "${names[i]}", expected "${CSV_HEADER[i]}" (expected header: ${expected})`,
      );
    }
  }
  if (names.length > NUM_COLUMNS) {
    throw new DojoError(
      'BAD_DATA',
      `${file}:1: header has ${names.length} columns, expected ${NUM_COLUMNS}: column ${NUM_COLUMNS + 1} "${names[NUM_COLUMNS]}" is extra (expected header: ${expected})`,
    );
  }
}
