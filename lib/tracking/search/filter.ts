import { invalidParam } from '../errors';

/** What a filter or order_by identifier refers to. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute';

/** A comparison operator of MLflow's filter grammar. */
export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One `entity.key <op> value` comparison; clauses of a filter are joined by AND. */
export interface Clause {
  readonly type: EntityType;
  readonly key: string;
  readonly comparator: Comparator;
  /** A number for numeric comparisons, a string for string ones, a list for IN. */
  readonly value: number | string | readonly string[];
}

/** One order_by term. */
export interface OrderTerm {
  readonly type: EntityType;
  readonly key: string;
  readonly ascending: boolean;
}

/** Which attributes a search accepts and which of them are numbers. */
export interface SearchVocabulary {
  /** Attribute names (after alias resolution) that compare as strings. */
  readonly stringAttributes: readonly string[];
  /** Attribute names that compare as numbers. */
  readonly numericAttributes: readonly string[];
  /** Entity types allowed besides attributes. */
  readonly entities: readonly EntityType[];
  /** Alternative attribute names, e.g. created → start_time. */
  readonly aliases?: Readonly<Record<string, string>>;
}

/** The vocabulary of `runs/search`. */
export const RUN_VOCABULARY: SearchVocabulary = {
  stringAttributes: ['status', 'run_name', 'user_id', 'artifact_uri', 'run_id', 'lifecycle_stage'],
  numericAttributes: ['start_time', 'end_time'],
  entities: ['metric', 'param', 'tag', 'attribute'],
  aliases: { created: 'start_time', Created: 'start_time', 'run name': 'run_name', run_uuid: 'run_id' },
};

/** The vocabulary of `experiments/search`. */
export const EXPERIMENT_VOCABULARY: SearchVocabulary = {
  stringAttributes: ['name'],
  numericAttributes: ['creation_time', 'last_update_time'],
  entities: ['tag', 'attribute'],
};

const ENTITY_NAMES: Record<string, EntityType> = {
  metric: 'metric', metrics: 'metric',
  param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
};

const NUMERIC_OPS: readonly Comparator[] = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];

/** A cursor over a filter string; every error quotes the whole string and the position. */
class Cursor {
  pos = 0;
  constructor(readonly text: string, readonly what: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
  fail(reason: string): never {
    throw invalidParam(`Invalid ${this.what} '${this.text}': ${reason} (at character ${this.pos + 1})`);
  }
  /** Reads a quoted string starting at the current quote character. */
  quoted(): string {
    const q = this.text[this.pos]!;
    const end = this.text.indexOf(q, this.pos + 1);
    if (end < 0) this.fail(`unterminated ${q} quote`);
    const s = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }
  /** Reads `entity.key`, `key`, entity.`key with spaces` or entity."key". */
  identifier(): { entity: string | undefined; key: string } {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '`' || c === '"') return { entity: undefined, key: this.quoted() };
    const m = /^[A-Za-z_][\w]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected an identifier such as metrics.loss, params.lr, tags.name or attributes.status');
    this.pos += m[0].length;
    if (this.text[this.pos] !== '.') return { entity: undefined, key: m[0] };
    this.pos++;
    const k = this.text[this.pos];
    if (k === '`' || k === '"') return { entity: m[0], key: this.quoted() };
    const rest = /^[^\s=!<>()'",`]+/.exec(this.text.slice(this.pos));
    if (!rest) this.fail(`expected a key after '${m[0]}.'`);
    this.pos += rest[0].length;
    return { entity: m[0], key: rest[0] };
  }
  comparator(): Comparator {
    this.skipSpace();
    const rest = this.text.slice(this.pos);
    const sym = /^(!=|<=|>=|<>|=|<|>)/.exec(rest);
    if (sym) {
      this.pos += sym[0].length;
      return sym[0] === '<>' ? '!=' : (sym[0] as Comparator);
    }
    const word = /^(not\s+in|ilike|like|in)\b/i.exec(rest);
    if (word) {
      this.pos += word[0].length;
      return word[0].toUpperCase().replace(/\s+/, ' ') as Comparator;
    }
    return this.fail('expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE)');
  }
  value(): { kind: 'string' | 'number' | 'list'; value: string | number | string[] } {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "'" || c === '"') return { kind: 'string', value: this.quoted() };
    if (c === '(') {
      this.pos++;
      const items: string[] = [];
      for (;;) {
        this.skipSpace();
        const q = this.text[this.pos];
        if (q !== "'" && q !== '"') this.fail('expected a quoted string in the IN list');
        items.push(this.quoted());
        this.skipSpace();
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (this.text[this.pos] === ')') {
          this.pos++;
          return { kind: 'list', value: items };
        }
        this.fail("expected ',' or ')' in the IN list");
      }
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![\w.])/.exec(this.text.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return { kind: 'number', value: Number(num[0]) };
    }
    const bare = /^[^\s]+/.exec(this.text.slice(this.pos));
    return this.fail(`expected a number or a quoted string, found '${bare?.[0] ?? ''}'`);
  }
}

/** Resolves an identifier to an entity type and key, checking it against the vocabulary. */
function resolve(cur: Cursor, id: { entity: string | undefined; key: string }, vocab: SearchVocabulary): { type: EntityType; key: string } {
  let type: EntityType = 'attribute';
  if (id.entity !== undefined) {
    const t = ENTITY_NAMES[id.entity.toLowerCase()];
    if (!t || !vocab.entities.includes(t)) {
      cur.fail(`invalid entity type '${id.entity}'; use one of ${vocab.entities.map((e) => e + 's.').join(', ')}`);
    }
    type = t;
  }
  if (type !== 'attribute') return { type, key: id.key };
  const key = vocab.aliases?.[id.key] ?? id.key;
  if (!vocab.stringAttributes.includes(key) && !vocab.numericAttributes.includes(key)) {
    cur.fail(`invalid attribute key '${id.key}'; valid keys are ${[...vocab.stringAttributes, ...vocab.numericAttributes].join(', ')}`);
  }
  return { type, key };
}

/**
 * Parses an MLflow filter string (`metrics.loss < 0.5 AND params.opt = 'Adam'`) into clauses.
 * Throws 400 INVALID_PARAMETER_VALUE naming the problem, like MLflow.
 */
export function parseFilter(filter: string | undefined, vocab: SearchVocabulary = RUN_VOCABULARY): Clause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const cur: Cursor = new Cursor(filter, 'filter string');
  const clauses: Clause[] = [];
  for (;;) {
    const { type, key } = resolve(cur, cur.identifier(), vocab);
    const comparator = cur.comparator();
    const v = cur.value();
    const numeric = type === 'metric' || (type === 'attribute' && vocab.numericAttributes.includes(key));
    if (numeric) {
      if (!NUMERIC_OPS.includes(comparator)) cur.fail(`'${comparator}' is not a valid comparator for ${type} '${key}'; use one of ${NUMERIC_OPS.join(' ')}`);
      if (v.kind !== 'number') cur.fail(`expected a numeric value for ${type} '${key}', found '${String(v.value)}'`);
    } else if (comparator === 'IN' || comparator === 'NOT IN') {
      if (!(type === 'attribute' && key === 'run_id')) cur.fail(`'${comparator}' is only valid for attributes.run_id`);
      if (v.kind !== 'list') cur.fail(`expected a list of quoted strings after ${comparator}`);
    } else {
      if (!STRING_OPS.includes(comparator)) cur.fail(`'${comparator}' is not a valid comparator for ${type} '${key}'; use one of ${STRING_OPS.join(' ')}`);
      if (v.kind !== 'string') cur.fail(`the value for ${type} '${key}' must be a quoted string, found '${String(v.value)}'`);
    }
    clauses.push({ type, key, comparator, value: v.value });
    if (cur.atEnd()) return clauses;
    const and = /^and\b/i.exec(cur.text.slice(cur.pos));
    if (!and) cur.fail('expected AND between comparisons (OR is not supported)');
    cur.pos += and[0].length;
  }
}

/** Parses order_by terms such as `metrics.loss DESC` or `attributes.start_time`. */
export function parseOrderBy(terms: readonly string[] | undefined, vocab: SearchVocabulary = RUN_VOCABULARY): OrderTerm[] {
  return (terms ?? []).map((term) => {
    const cur: Cursor = new Cursor(term, 'order_by clause');
    const { type, key } = resolve(cur, cur.identifier(), vocab);
    cur.skipSpace();
    const dir = /^(asc|desc)\b/i.exec(cur.text.slice(cur.pos));
    if (dir) cur.pos += dir[0].length;
    if (!cur.atEnd()) cur.fail('expected ASC or DESC after the key');
    return { type, key, ascending: !dir || dir[0].toLowerCase() === 'asc' };
  });
}
