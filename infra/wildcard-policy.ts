import { Stack, Validations } from 'aws-cdk-lib';
import { type IRole, Policy, type PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** A grant whose wildcard is the grant itself, and why. */
export interface WildcardPolicyProps {
  readonly role: IRole;
  readonly statements: PolicyStatement[];
  /** The one resource with a wildcard (`*` for an action that has no resources). */
  readonly wildcard: string;
  /** Why that wildcard is right, as cdk-nag's report shows it. */
  readonly reason: string;
}

/**
 * A policy of its own on the role, where only cdk-nag's finding on that one resource (AwsSolutions-IAM5) is
 * acknowledged: nothing else can hide behind it, and a wildcard anywhere else is still reported.
 */
export function wildcardPolicy(scope: Construct, id: string, props: WildcardPolicyProps): Policy {
  const policy = new Policy(scope, id, { roles: [props.role], statements: props.statements });
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flatArn(Stack.of(scope).resolve(props.wildcard))}]`,
    reason: props.reason,
  });
  return policy;
}

/** An ARN as cdk-nag writes it in a finding: intrinsic references as `<AWS::Partition>` or `<LogicalId>`. */
function flatArn(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const node = resolved as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (node.Ref) return `<${node.Ref}>`;
  if (node['Fn::Join']) return node['Fn::Join'][1].map(flatArn).join(node['Fn::Join'][0]);
  return JSON.stringify(resolved);
}
