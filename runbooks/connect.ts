import { existsSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { Route53DnsClient } from '../chaos/env/dns';
import { applyLocalProfile } from '../chaos/env/local-profile';
import { ENV_STATE_FILE, type EnvStateFile } from '../chaos/env/types';
import { type AwsClients, type AwsTarget, awsTargetFromEnv, createAwsClients } from '../failover/aws/clients';
import { loadConfig } from '../failover/config/load';
import { assertKnownRegion, controlRegionOf, namesFor } from '../failover/config/names';
import { runtimeSettingsFromConfig } from '../failover/config/runtime-settings';
import type { RegionFlipConfig } from '../failover/config/schema';
import { failoverDepsFromSettings } from '../failover/handler/failover-handler';
import type { ControlStore, HealthReader, Notifier, TrafficSwitch } from '../failover/ports';
import { findHostedZoneId } from '../failover/switch/records';
import { activeDrill, type ControlTableRef, type DrillMarker } from './drill-marker';
import { DynamoRunbookProgressStore, type RunbookProgressStore } from './progress';
import { type ReplicationCheck, SentinelReplicationCheck } from './replication-check';
import { DnsServedByProbe, HttpsServedByProbe, type ServedByProbe } from './served-by-probe';

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
  readonly activeDrill: (now: Date) => Promise<DrillMarker | undefined>;
}

/** Who is running the runbook: recorded as the actor of the switch and the audit. */
export function currentActor(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGIONFLIP_ACTOR || userInfo().username;
}

export function leaseOwner(actor: string): string {
  return `runbook:${actor}@${hostname()}`;
}

/** The on-call topic of the control Region, found by name (so neither the account id nor an ARN must be typed). */
export async function findOncallTopicArn(sns: SNSClient, topicName: string, region: string): Promise<string> {
  let next: string | undefined;
  do {
    const out = await sns.send(new ListTopicsCommand({ NextToken: next }));
    const arn = out.Topics?.map((t) => t.TopicArn ?? '').find((a) => a.endsWith(`:${topicName}`));
    if (arn) return arn;
    next = out.NextToken;
  } while (next);
  throw new Error(
    `no SNS topic named "${topicName}" in ${region}: deploy the stacks, or pass --oncall-topic-arn <arn>`,
  );
}

export interface ContextInputs {
  readonly target: RunbookTarget;
  readonly config: RegionFlipConfig;
  readonly clients: AwsClients;
  readonly hostedZoneId: string;
  readonly controlRegion: string;
  readonly oncallTopicArn: string;
  readonly probe: ServedByProbe;
}

/** Wires the adapters over already-created clients (the CLI, and tests against moto). */
export function buildRunbookContext(inputs: ContextInputs): RunbookContext {
  const { config, clients } = inputs;
  assertKnownRegion(config, inputs.controlRegion);
  const names = namesFor(config);
  const settings = runtimeSettingsFromConfig(config, {
    hostedZoneId: inputs.hostedZoneId,
    oncallTopicArn: inputs.oncallTopicArn,
    controlRegion: inputs.controlRegion,
  });
  const failover = failoverDepsFromSettings(settings, clients);
  const controlTable: ControlTableRef = { db: clients.dynamodb[inputs.controlRegion]!, tableName: names.controlTable };
  return {
    target: inputs.target,
    config,
    clients,
    hostedZoneId: inputs.hostedZoneId,
    controlTable,
    store: failover.store,
    health: failover.health,
    trafficSwitch: failover.trafficSwitch,
    notifier: failover.notifier,
    progress: new DynamoRunbookProgressStore(controlTable),
    replication: new SentinelReplicationCheck(clients.dynamodb, names.dataTable),
    probe: inputs.probe,
    activeDrill: (now) => activeDrill(controlTable, now),
  };
}

/** Where a running local environment describes itself. REGIONFLIP_ENV_STATE overrides it (tests). */
export function envStateFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGIONFLIP_ENV_STATE || resolve(__dirname, '..', ENV_STATE_FILE);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local environment's state, or an error saying how to start one. */
export function readEnvState(file: string = envStateFile()): EnvStateFile {
  if (!existsSync(file)) {
    throw new Error(
      `no local environment is running (${file} does not exist): start one with \`npm run -s cli -- env up\`, ` +
        'or use --target aws',
    );
  }
  const state = JSON.parse(readFileSync(file, 'utf8')) as EnvStateFile;
  if (!processAlive(state.ownerPid)) {
    throw new Error(
      `the local environment described by ${file} is gone (its process ${state.ownerPid} is not running): ` +
        'run `npm run -s cli -- env down`, then `env up`',
    );
  }
  return state;
}

export async function connect(opts: ConnectOptions): Promise<RunbookContext> {
  if (opts.target !== 'local' && opts.target !== 'aws') {
    throw new Error(`--target "${String(opts.target)}" is not known: use "local" or "aws"`);
  }
  let config: RegionFlipConfig;
  let awsTarget: AwsTarget;
  let hostedZoneId: string | undefined = opts.zoneId;
  let probe: ServedByProbe | undefined;
  let serviceUrls: Record<string, string> = {};
  if (opts.target === 'local') {
    const state = readEnvState();
    config = applyLocalProfile(loadConfig(state.configFile));
    awsTarget = { endpoint: state.motoEndpoint };
    hostedZoneId = state.hostedZoneId;
    serviceUrls = Object.fromEntries(Object.entries(state.regions).map(([r, v]) => [r, v.serviceUrl]));
  } else {
    config = loadConfig(opts.configFile);
    // Real AWS, unless REGIONFLIP_AWS_ENDPOINT points at a moto server on loopback.
    awsTarget = awsTargetFromEnv();
    probe = new HttpsServedByProbe();
  }
  const regions = [config.regions.primary, config.regions.secondary];
  const clients = createAwsClients(regions, awsTarget);
  hostedZoneId ??= config.dns.hostedZoneId ?? (await findHostedZoneId(clients.route53, config.dns.zoneName));
  const zoneId = hostedZoneId;
  probe ??= new DnsServedByProbe(
    () =>
      new Route53DnsClient({ route53: clients.route53, hostedZoneId: zoneId, loadBalancerUrl: (r) => serviceUrls[r] }),
  );
  const controlRegion = opts.controlRegion ?? controlRegionOf(config);
  assertKnownRegion(config, controlRegion);
  const oncallTopicArn =
    opts.oncallTopicArn ??
    (await findOncallTopicArn(clients.sns[controlRegion]!, namesFor(config).oncallTopic, controlRegion));
  return buildRunbookContext({
    target: opts.target,
    config,
    clients,
    hostedZoneId,
    controlRegion,
    oncallTopicArn,
    probe,
  });
}
