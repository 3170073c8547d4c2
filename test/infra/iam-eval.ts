// Reads the IAM policies of a synthesized template as plain strings and asks whether any
// statement allows a request: enough IAM evaluation to show what a role may NOT do.
import type { Template } from 'aws-cdk-lib/assertions';
import { resourcesOf } from './synth-helper';

/** One Allow/Deny statement with its tokens rendered (see renderValue). */
export interface RenderedStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

/**
 * Renders a CloudFormation value to a string: `{Ref: X}` → `<X>`, `{Fn::GetAtt: [X, A]}` →
 * `<X.A>`, `Fn::Join` joined, `Fn::Sub` with `${X}` → `<X>` (cdk-nag spells tokens the same way). `names` replaces a rendered
 * token by a concrete value (e.g. `<AWS::Region>` → `eu-west-1`) for evaluation.
 */
export function renderValue(v: unknown, names: Readonly<Record<string, string>> = {}): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  const named = (token: string): string => names[token] ?? token;
  if ('Ref' in o) return named(`<${String(o.Ref)}>`);
  if ('Fn::GetAtt' in o) {
    const [id, attr] = o['Fn::GetAtt'] as [string, string];
    return named(`<${id}.${attr}>`);
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => renderValue(p, names)).join(sep);
  }
  if ('Fn::Sub' in o && typeof o['Fn::Sub'] === 'string') return o['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_m, x: string) => named(`<${x}>`));
  throw new Error(`cannot render ${JSON.stringify(v)}`);
}

const many = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Every statement of every AWS::IAM::Policy attached to a role (by the role's logical id). */
export function roleStatements(template: Template, roleLogicalId: string, names: Readonly<Record<string, string>> = {}): RenderedStatement[] {
  const out: RenderedStatement[] = [];
  for (const r of Object.values(resourcesOf(template))) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.Roles as unknown[] | undefined) ?? [];
    if (!roles.some((x) => renderValue(x) === `<${roleLogicalId}>`)) continue;
    const doc = r.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] };
    for (const s of doc.Statement) {
      const condition = s.Condition as Record<string, Record<string, unknown>> | undefined;
      out.push({
        ...(s.Sid !== undefined ? { Sid: s.Sid as string } : {}),
        Effect: s.Effect as 'Allow' | 'Deny',
        Action: many(s.Action).map((a) => renderValue(a)),
        Resource: many(s.Resource).map((x) => renderValue(x, names)),
        ...(condition
          ? {
              Condition: Object.fromEntries(
                Object.entries(condition).map(([op, kv]) => [op, Object.fromEntries(Object.entries(kv).map(([k, x]) => [k, many(x).map((y) => renderValue(y, names))]))]),
              ),
            }
          : {}),
      });
    }
  }
  return out;
}

/** A request to evaluate: one action on one resource with its condition keys. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, ignoreCase ? 'i' : '');
  return re.test(value);
}

function conditionHolds(op: string, key: string, values: readonly string[], context: Readonly<Record<string, string>>): boolean {
  const actual = context[key];
  if (actual === undefined) return false; // a missing key never satisfies these operators
  switch (op) {
    case 'StringEquals':
    case 'ArnEquals':
      return values.includes(actual);
    case 'StringLike':
    case 'ArnLike':
      return values.some((v) => wildcard(v, actual, false));
    default:
      throw new Error(`condition operator ${op} is not evaluated here`);
  }
}

/** The Allow statements that grant the request (none means IAM denies it implicitly). */
export function allowingStatements(statements: readonly RenderedStatement[], req: IamRequest): RenderedStatement[] {
  const context = req.context ?? {};
  return statements.filter(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.some((a) => wildcard(a, req.action, true)) &&
      s.Resource.some((r) => wildcard(r, req.resource, false)) &&
      Object.entries(s.Condition ?? {}).every(([op, kv]) => Object.entries(kv).every(([k, vs]) => conditionHolds(op, k, vs, context))),
  );
}
