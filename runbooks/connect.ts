import { hostname, userInfo } from 'node:os';
import { Route53DnsClient } from '../chaos/env/dns';
import { ENV_STATE_DIR, type EnvState, isAlive, readEnvStates } from '../chaos/env/env-state';
import type { EnvConnection } from '../chaos/env/types';
import { type AwsClients, type AwsTarget, awsTargetFromEnv, createAwsClients } from '../failover/aws/clients';
import { loadConfig } from '../failover/config/load';
import { assertKnownRegion, controlRegionOf, namesFor } from '../failover/config/names';
import { runtimeSettingsFromConfig } from '../failover/config/runtime-settings';
import { configSchema, type RegionFlipConfig } from '../failover/config/schema';
import { failoverDepsFromSettings } from '../failover/handler/failover-handler';
import { findOncallTopicArn } from '../failover/notify/sns-notifier';
import type { ControlStore, HealthReader, Notifier, TrafficSwitch } from '../failover/ports';
import { activeDrill, type ControlTableRef, type DrillMarker } from '../failover/state/drill-marker';
import { findHostedZoneId } from '../failover/switch/records';
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

/** Where running local environments describe themselves. REGIONFLIP_ENV_STATE_DIR overrides it (tests). */
export function envStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGIONFLIP_ENV_STATE_DIR || ENV_STATE_DIR;
}

/**
 * How to reach the running local environment, or an error saying how to start one. With several running (an `env up`
 * next to a drill or a test run), the commands refuse to guess which one to change: REGIONFLIP_ENV_ID picks one.
 */
export function localEnvironmentConnection(
  dir: string = envStateDir(),
  wanted: string | undefined = process.env.REGIONFLIP_ENV_ID,
): EnvConnection {
  const running = readEnvStates(dir)
    .filter((s): s is EnvState & { connection: EnvConnection } => s.connection !== undefined && isAlive(s.runnerPid))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (running.length === 0) {
    throw new Error(
      `no local environment is running (none recorded in ${dir}): start one with \`npm run -s cli -- env up\` ` +
        '(and leave it running), or use --target aws',
    );
  }
  const list = running.map((s) => `${s.id} (started ${s.startedAt})`).join(', ');
  if (wanted) {
    const chosen = running.find((s) => s.id === wanted);
    if (!chosen) throw new Error(`REGIONFLIP_ENV_ID="${wanted}" is not a running local environment; running: ${list}`);
    return chosen.connection;
  }
  if (running.length > 1) {
    throw new Error(
      `${running.length} local environments are running: ${list}. Choose the one to act on with ` +
        'REGIONFLIP_ENV_ID=<id> (`env up` prints its id), or stop the others',
    );
  }
  return running[0]!.connection;
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
    const local = localEnvironmentConnection();
    // The environment's own configuration (local profile applied), validated again like any other.
    config = configSchema.parse(local.config);
    awsTarget = { endpoint: local.motoEndpoint };
    hostedZoneId = local.hostedZoneId;
    // Probes go through the load balancer models, as tenants' clients do.
    serviceUrls = Object.fromEntries(Object.entries(local.regions).map(([r, v]) => [r, v.loadBalancerUrl]));
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
