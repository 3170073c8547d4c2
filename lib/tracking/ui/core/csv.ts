// CSV for the artifact viewer (pure): RFC 4180 quoting, LF or CRLF, a row limit.

/** Parses CSV text into rows of fields, at most `maxRows` rows; `more` says whether rows were left out. */
export function parseCsv(text: string, maxRows: number, sep = ','): { rows: string[][]; more: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    field = '';
    // A blank line is not a row.
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), more: true };
    } else field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows.length > maxRows ? { rows: rows.slice(0, maxRows), more: true } : { rows, more: false };
}

/** How the viewer shows an artifact, by its name. */
export type ArtifactKind = 'image' | 'html' | 'json' | 'csv' | 'tsv' | 'text' | 'binary';

const TEXT = /\.(txt|log|md|markdown|ya?ml|py|sh|cfg|ini|toml|conf|properties|xml|ipynb|r|sql|js|ts)$/i;

/** The kind of an artifact: images and SVG as images, HTML in a frame, JSON, CSV, text; MLmodel is YAML text. */
export function artifactKind(path: string): ArtifactKind {
  const name = path.split('/').pop() ?? path;
  if (/\.(png|jpe?g|gif|webp|bmp|svg)$/i.test(name)) return 'image';
  if (/\.html?$/i.test(name)) return 'html';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.tsv$/i.test(name)) return 'tsv';
  if (name === 'MLmodel' || TEXT.test(name) || /^(requirements|LICENSE|README|Dockerfile)/.test(name)) return 'text';
  return 'binary';
}
