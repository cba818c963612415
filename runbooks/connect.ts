import { hostname, userInfo } from 'node:os';
import { type AwsClients, type AwsTarget, awsTargetFromEnv, createAwsClients } from '../failover/aws/clients';
import { loadConfig } from '../failover/config/load';
import { assertKnownRegion, controlRegionOf, namesFor } from '../failover/config/names';
import { runtimeSettingsFromConfig } from '../failover/config/runtime-settings';
import { configSchema, type RegionFlipConfig } from '../failover/config/schema';
import { failoverDepsFromSettings } from '../failover/handler/failover-handler';
import { findOncallTopicArn, SnsNotifier } from '../failover/notify/sns-notifier';
import type { ControlStore, HealthReader, Notifier, TrafficSwitch } from '../failover/ports';
import { activeDrill, type ControlTableRef, type DrillMarker } from '../failover/state/drill-marker';
import { findHostedZoneId } from '../failover/switch/records';
import { CloudWatchReplicationLag, DnsTenantResolver, SnsOncallRoute, SnsSubscriptionsInbox } from './aws-deployment';
import type {
  LocalDeploymentLocator,
  OncallInbox,
  OncallRouteReader,
  ReplicationLagReader,
  TenantResolver,
} from './ports';
import { DynamoRunbookProgressStore, type RunbookProgressStore } from './progress';
import { type ReplicationCheck, SentinelReplicationCheck } from './replication-check';
import { DnsServedByProbe, type ServedByProbe } from './served-by-probe';

/**
 * Connects the runbook commands to a deployment: the local two-Region environment (through the state file a running
 * environment writes) or AWS. The switch, control table, health reader and notifier are the failover Lambda's own
 * adapters (failoverDepsFromSettings): the runbooks move traffic with exactly the same code.
 */

export type RunbookTarget = 'local' | 'aws';

export interface ConnectOptions {
  readonly target: RunbookTarget;
  /** Configuration file (aws); locally the environment's own configuration is used. */
  readonly configFile?: string;
  readonly zoneId?: string;
  /** The Region whose control table replica holds the lease (default: the config's, as the failover Lambda uses). */
  readonly controlRegion?: string;
  readonly oncallTopicArn?: string;
}

/** Everything the runbook commands need, wired once. */
export interface RunbookContext {
  readonly target: RunbookTarget;
  readonly config: RegionFlipConfig;
  readonly clients: AwsClients;
  readonly hostedZoneId: string;
  readonly controlTable: ControlTableRef;
  readonly store: ControlStore;
  readonly health: HealthReader;
  readonly trafficSwitch: TrafficSwitch;
  readonly notifier: Notifier;
  readonly progress: RunbookProgressStore;
  readonly replication: ReplicationCheck;
  readonly probe: ServedByProbe;
  /** What on-call received (locally) or where the on-call topic delivers (AWS). */
  readonly inbox: OncallInbox;
  /** Where the on-call topic delivers (its subscriptions, read from SNS: moto locally). */
  readonly oncallRoute: OncallRouteReader;
  /** Replication lag per direction (the local model, or CloudWatch's ReplicationLatency). */
  readonly replicationLag: ReplicationLagReader;
  readonly activeDrill: (now: Date) => Promise<DrillMarker | undefined>;
}

/** Who is running the runbook: recorded as the actor of the switch and the audit. */
export function currentActor(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGIONFLIP_ACTOR || userInfo().username;
}

export function leaseOwner(actor: string): string {
  return `runbook:${actor}@${hostname()}`;
}

/**
 * The on-call topic: its ARN, or how to find it. Found lazily, on the first message sent, so read-only commands
 * (`status`, `runs list`) need no SNS permission.
 */
export type OncallTopic = string | (() => Promise<string>);

export interface ContextInputs {
  readonly target: RunbookTarget;
  readonly config: RegionFlipConfig;
  readonly clients: AwsClients;
  readonly hostedZoneId: string;
  readonly controlRegion: string;
  readonly oncallTopic: OncallTopic;
  readonly probe: ServedByProbe;
  readonly inbox: OncallInbox;
  readonly oncallRoute: OncallRouteReader;
  readonly replicationLag: ReplicationLagReader;
}

/** Finds the topic once, on the first notification, then publishes through the Lambda's own notifier. */
class LazySnsNotifier implements Notifier {
  private notifier: Promise<Notifier> | undefined;

  constructor(private readonly create: () => Promise<Notifier>) {}

  notify(subject: string, message: Record<string, unknown>): Promise<void> {
    this.notifier ??= this.create();
    return this.notifier.then((n) => n.notify(subject, message));
  }
}

/** Wires the adapters over already-created clients (the CLI, and tests against moto). */
export function buildRunbookContext(inputs: ContextInputs): RunbookContext {
  const { config, clients, oncallTopic } = inputs;
  assertKnownRegion(config, inputs.controlRegion);
  const names = namesFor(config);
  const settings = runtimeSettingsFromConfig(config, {
    hostedZoneId: inputs.hostedZoneId,
    // A lazily found topic is in the control Region (findOncallTopicArn looks there); its ARN is not needed here.
    oncallTopicArn: typeof oncallTopic === 'string' ? oncallTopic : '',
    controlRegion: inputs.controlRegion,
  });
  const failover = failoverDepsFromSettings(settings, clients);
  const controlTable: ControlTableRef = { db: clients.dynamodb[inputs.controlRegion]!, tableName: names.controlTable };
  const sns = clients.sns[inputs.controlRegion]!;
  return {
    target: inputs.target,
    config,
    clients,
    hostedZoneId: inputs.hostedZoneId,
    controlTable,
    store: failover.store,
    health: failover.health,
    trafficSwitch: failover.trafficSwitch,
    notifier:
      typeof oncallTopic === 'string'
        ? failover.notifier
        : new LazySnsNotifier(async () => new SnsNotifier(sns, await oncallTopic())),
    progress: new DynamoRunbookProgressStore(controlTable),
    replication: new SentinelReplicationCheck(clients.dynamodb, names.dataTable),
    probe: inputs.probe,
    inbox: inputs.inbox,
    oncallRoute: inputs.oncallRoute,
    replicationLag: inputs.replicationLag,
    activeDrill: (now) => activeDrill(controlTable, now),
  };
}

/** Connects to the target: `locateLocal` finds the running local deployment (the CLI wires chaos/env's). */
export async function connect(opts: ConnectOptions, locateLocal: LocalDeploymentLocator): Promise<RunbookContext> {
  if (opts.target !== 'local' && opts.target !== 'aws') {
    throw new Error(`--target "${String(opts.target)}" is not known: use "local" or "aws"`);
  }
  let config: RegionFlipConfig;
  let awsTarget: AwsTarget;
  let hostedZoneId: string | undefined = opts.zoneId;
  const local = opts.target === 'local' ? locateLocal() : undefined;
  if (local) {
    // The environment's own configuration (local profile applied), validated again like any other.
    config = configSchema.parse(local.config);
    awsTarget = { endpoint: local.motoEndpoint };
    hostedZoneId = local.hostedZoneId;
  } else {
    config = loadConfig(opts.configFile);
    // Real AWS, unless REGIONFLIP_AWS_ENDPOINT points at a moto server on loopback.
    awsTarget = awsTargetFromEnv();
  }
  const regions = [config.regions.primary, config.regions.secondary];
  const clients = createAwsClients(regions, awsTarget);
  hostedZoneId ??= config.dns.hostedZoneId ?? (await findHostedZoneId(clients.route53, config.dns.zoneName));
  const controlRegion = opts.controlRegion ?? controlRegionOf(config);
  assertKnownRegion(config, controlRegion);
  const sns = clients.sns[controlRegion]!;
  let found: Promise<string> | undefined;
  const oncallTopic: OncallTopic =
    opts.oncallTopicArn ??
    (() => {
      found ??= findOncallTopicArn(sns, namesFor(config).oncallTopic, controlRegion);
      return found;
    });
  const resolver: () => TenantResolver = local
    ? () => local.resolver(clients.route53)
    : () => new DnsTenantResolver(regions);
  const oncallRoute = new SnsOncallRoute(sns, typeof oncallTopic === 'string' ? async () => oncallTopic : oncallTopic);
  return buildRunbookContext({
    target: opts.target,
    config,
    clients,
    hostedZoneId,
    controlRegion,
    oncallTopic,
    probe: new DnsServedByProbe(resolver),
    inbox: local?.inbox ?? new SnsSubscriptionsInbox(oncallRoute),
    oncallRoute,
    replicationLag:
      local?.replicationLag ??
      new CloudWatchReplicationLag(clients.cloudwatch, namesFor(config).dataTable, [
        config.regions.primary,
        config.regions.secondary,
      ]),
  });
}
