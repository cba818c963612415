import { Stack } from 'aws-cdk-lib';
import { AwsLogDriver, ContainerImage, type FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/**
 * What FIS's aws:ecs:task actions (the `latency` drill template) need in the tasks they target, per "Use the AWS FIS
 * aws:ecs:task actions", https://docs.aws.amazon.com/fis/latest/userguide/ecs-task-actions.html :
 * - a non-essential SSM agent container that registers the task as an SSM managed instance tagged with its task ARN
 *   (FIS finds the task's instance by the ECS_TASK_ARN tag and runs its AWSFIS-* documents there);
 * - MANAGED_INSTANCE_ROLE_NAME: the role the managed instance gets (here: AmazonSSMManagedInstanceCore only);
 * - the task role may ssm:CreateActivation, ssm:AddTagsToResource and iam:PassRole that role; the cleanup on SIGTERM
 *   (delete the activation, deregister the instance) needs ssm:DeleteActivation and ssm:DeregisterManagedInstance;
 * - enableFaultInjection on the task definition for useEcsFaultInjectionEndpoints (ECS "Use fault injection with your
 *   Amazon ECS and Fargate workloads", awsvpc only: Fargate's mode), and ECS Exec off (it is: FargateService default).
 * The FIS role's side (ecs:DescribeTasks, ssm:SendCommand/ListCommands/CancelCommand) is in drill-experiments.ts.
 */

/** The SSM agent image the FIS guide names. */
export const SSM_AGENT_IMAGE = 'public.ecr.aws/amazon-ssm-agent/amazon-ssm-agent:latest';
export const SSM_AGENT_CONTAINER = 'amazon-ssm-agent';

/**
 * The sidecar's script, as the FIS guide describes it: read the task's ARN and zone from the task metadata endpoint,
 * create an SSM activation for the managed instance role tagged with them, register and run the agent, and on SIGTERM
 * (the task stopping) delete the activation and deregister the instance so no stale managed instances pile up.
 */
export const SSM_AGENT_SCRIPT = [
  'set -eo pipefail',
  'dnf install -y jq procps awscli >/dev/null',
  '[[ -n "$MANAGED_INSTANCE_ROLE_NAME" ]] || { echo "MANAGED_INSTANCE_ROLE_NAME is not set" >&2; exit 1; }',
  '[[ -n "$ECS_CONTAINER_METADATA_URI_V4" ]] || { echo "no ECS task metadata endpoint" >&2; exit 1; }',
  'TASK=$(curl -fsS "$ECS_CONTAINER_METADATA_URI_V4/task")',
  'ZONE=$(jq -er .AvailabilityZone <<<"$TASK"); TASK_ARN=$(jq -er .TaskARN <<<"$TASK")',
  // The Region is the zone without its letter.
  'REGION=$(sed \'s/.$//\' <<<"$ZONE")',
  'ACTIVATION=$(aws ssm create-activation --region "$REGION" --iam-role "$MANAGED_INSTANCE_ROLE_NAME" --tags ' +
    'Key=ECS_TASK_AVAILABILITY_ZONE,Value="$ZONE" Key=ECS_TASK_ARN,Value="$TASK_ARN" Key=FAULT_INJECTION_SIDECAR,Value=true)',
  'ACTIVATION_ID=$(jq -er .ActivationId <<<"$ACTIVATION")',
  'cleanup() {',
  '  aws ssm delete-activation --region "$REGION" --activation-id "$ACTIVATION_ID" || echo "activation $ACTIVATION_ID not deleted" >&2',
  '  INSTANCE=$(jq -er .ManagedInstanceID /var/lib/amazon/ssm/registration || true)',
  '  [[ -z "$INSTANCE" ]] || aws ssm deregister-managed-instance --region "$REGION" --instance-id "$INSTANCE" || echo "$INSTANCE not deregistered" >&2',
  '  kill -TERM "$AGENT_PID" 2>/dev/null || true',
  '}',
  'trap cleanup TERM INT',
  'amazon-ssm-agent -register -code "$(jq -er .ActivationCode <<<"$ACTIVATION")" -id "$ACTIVATION_ID" -region "$REGION"',
  // In the background, so the trap runs while the agent does.
  'amazon-ssm-agent & AGENT_PID=$!',
  'wait "$AGENT_PID"',
].join('\n');

/**
 * One per Region stack: the managed instance role the sidecars register their tasks with. `addTo` puts the sidecar
 * into a task definition and grants its task role what the registration needs, on that role only.
 */
export class FaultInjectionSidecar extends Construct {
  readonly managedInstanceRole: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.managedInstanceRole = new Role(this, 'ManagedInstanceRole', {
      assumedBy: new ServicePrincipal('ssm.amazonaws.com'),
      description: "FIS drills: the SSM managed instance of a task's fault-injection sidecar",
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    acknowledge(
      this.managedInstanceRole,
      'AmazonSSMManagedInstanceCore is the policy the FIS ECS task actions guide gives the managed instance role.',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    );
  }

  addTo(taskDefinition: FargateTaskDefinition, logGroup: ILogGroup, streamPrefix: string): void {
    taskDefinition.addContainer(SSM_AGENT_CONTAINER, {
      image: ContainerImage.fromRegistry(SSM_AGENT_IMAGE),
      // The app keeps serving if the agent dies: only the drill's latency fault depends on it.
      essential: false,
      entryPoint: ['/bin/bash', '-c'],
      command: [SSM_AGENT_SCRIPT],
      environment: { MANAGED_INSTANCE_ROLE_NAME: this.managedInstanceRole.roleName },
      logging: new AwsLogDriver({ logGroup, streamPrefix }),
    });
    const stack = Stack.of(this);
    const taskRole = taskDefinition.taskRole;
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.managedInstanceRole.roleArn] }),
    );
    // CreateActivation and DeleteActivation take no resource ARN (Service Authorization Reference): "*" is the only form.
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ssm:CreateActivation', 'ssm:DeleteActivation'], resources: ['*'] }),
    );
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ssm:AddTagsToResource', 'ssm:DeregisterManagedInstance'],
        resources: [
          stack.formatArn({ service: 'ssm', resource: 'activation', resourceName: '*' }),
          stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
        ],
      }),
    );
    acknowledge(
      taskRole,
      'The fault-injection sidecar registers its own task with SSM: activation and managed instance ids exist only once it runs, and CreateActivation/DeleteActivation take no resource (FIS ECS task actions guide).',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${stack.region}:<AWS::AccountId>:activation/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${stack.region}:<AWS::AccountId>:managed-instance/*]`,
    );
  }
}
