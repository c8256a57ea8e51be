import type { Template } from 'aws-cdk-lib/assertions';

/** One statement of an identity policy, as CloudFormation holds it. */
export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

/** The values CloudFormation gives the pseudo parameters a template's ARNs refer to. */
export interface Environment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export const TEST_ENVIRONMENT: Environment = { partition: 'aws', region: 'eu-west-2', account: '123456789012' };

/**
 * IAM's wildcard match, as it compares a policy's `Resource` with the resource a request names: `*` matches any run
 * of characters (none included, `/` and `:` included), `?` exactly one character, everything else itself.
 * Resource matching is case-sensitive; actions compare case-insensitively (`ignoreCase`).
 */
export function iamMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'isu' : 'su').test(value);
}

/** A resource as deployed: `Fn::Join` and `Ref` to `AWS::Partition`, `AWS::Region`, `AWS::AccountId` resolved. */
export function resolveResource(value: unknown, env: Environment = TEST_ENVIRONMENT): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (node['Fn::Join']) return node['Fn::Join'][1].map((part) => resolveResource(part, env)).join(node['Fn::Join'][0]);
  const pseudo: Record<string, string> = {
    'AWS::Partition': env.partition,
    'AWS::Region': env.region,
    'AWS::AccountId': env.account,
  };
  if (node.Ref && pseudo[node.Ref]) return pseudo[node.Ref]!;
  throw new TypeError(`cannot resolve ${JSON.stringify(value)} to a resource ARN`);
}

/** Every statement of every identity policy in the template (`AWS::IAM::Policy` and roles' inline policies). */
export function policyStatements(template: Template): Statement[] {
  type Document = { PolicyDocument: { Statement: Statement[] } };
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).map(
    (p) => (p as { Properties: Document }).Properties,
  );
  const inline = Object.values(template.findResources('AWS::IAM::Role')).flatMap(
    (r) => (r as { Properties: { Policies?: Document[] } }).Properties.Policies ?? [],
  );
  return [...policies, ...inline].flatMap((p) => p.PolicyDocument.Statement);
}

/**
 * Whether the policies allow `action` on `resource` without conditions, by IAM's evaluation for identity policies:
 * an explicit Deny wins, then any matching Allow.
 */
export function allows(statements: readonly Statement[], action: string, resource: string): boolean {
  const matching = (s: Statement) =>
    !s.Condition &&
    [s.Action].flat().some((a) => iamMatches(a, action, true)) &&
    [s.Resource].flat().some((r) => iamMatches(resolveResource(r), resource));
  if (statements.some((s) => s.Effect === 'Deny' && matching(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matching(s));
}

/** Every action any statement allows, sorted. */
export function allowedActions(statements: readonly Statement[]): string[] {
  return [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()))].sort();
}
