import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { type AwsClients, clientConfig, createAwsClients, destroyAwsClients } from '../../failover/aws/clients';
import { loadConfig } from '../../failover/config/load';
import { namesFor } from '../../failover/config/names';
import { runtimeSettingsFromConfig } from '../../failover/config/runtime-settings';
import type { RegionFlipConfig, Tier } from '../../failover/config/schema';
import { createFailoverHandler, failoverDepsFromSettings } from '../../failover/handler/failover-handler';
import { route53SwitchFor } from '../../failover/switch/route53-switch';
import type { ServiceFault } from '../../infra/tenant-service/fault';
import { RegionAlarmEvaluator } from './alarm-evaluator';
import { CombinedLog, type CombinedLogLine, forwardingLogger } from './combined-log';
import { Route53DnsClient } from './dns';
import { ENV_STATE_DIR, type EnvProcess, type EnvState, removeEnvState, writeEnvState } from './env-state';
import { LocalIdentityProvider } from './identity';
import { LocalLoadBalancer } from './load-balancer';
import { applyLocalProfile, LOCAL_PROFILE, type LocalProfile } from './local-profile';
import { type MotoServer, startMotoServer } from './moto-server';
import { OncallInbox } from './oncall-inbox';
import { RegionProber } from './prober';
import { type Provisioned, provisionLocalResources } from './provision';
import { TableReplication } from './replication';
import { ReplicationEndpoint } from './replication-endpoint';
import { Route53Propagation } from './route53-propagation';
import { type ServiceProcess, startServiceProcess } from './service-process';
import { SnsLambdaDelivery, type SnsLambdaHandler } from './sns-delivery';
import type { EnvConnection, EnvEvent, LocalEnvironment, LocalRegion } from './types';

/**
 * Starts the local two-Region environment (ARCHITECTURE.md, "Local two-Region environment"): moto for the AWS APIs of
 * both Regions, everything provisioned from the configuration, one tenant service and one load balancer model per
 * Region, CloudWatch alarm evaluation, SNS → failover handler delivery, DynamoDB replication, DNS from Route 53.
 *
 * @example
 *   const env = await startLocalEnvironment();
 *   try {
 *     await env.setFault('us-east-1', { kind: 'outage' });
 *     const answer = await env.dnsClient().resolve('acme.tenants.example.com');
 *   } finally {
 *     await env.stop();
 *   }
 */

export interface LocalEnvironmentOptions {
  /** The project configuration (default: loadConfig()); the profile's timings are applied over it. */
  readonly config?: RegionFlipConfig;
  readonly profile?: LocalProfile;
  /** Use this moto server instead of starting one (tests share one; names must then be unique: vary config.app). */
  readonly motoEndpoint?: string;
  /** The failover handler (default: the real one, createFailoverHandler over clients pointed at moto). */
  readonly handler?: (env: LocalEnvironment) => SnsLambdaHandler;
  /** Log level of the default handler's Powertools logger (default WARN; `env up` shows INFO). */
  readonly handlerLogLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Progress lines and background errors (default: none). */
  readonly log?: (line: string) => void;
}

/**
 * The handler's Powertools metrics print EMF lines on stdout (CloudWatch Logs turns them into metrics in Lambda).
 * Locally they are only noise unless asked for; Powertools reads POWERTOOLS_METRICS_DISABLED when constructed.
 */
function handlerMetrics(app: string, emit: boolean): Metrics {
  const before = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = emit ? 'false' : 'true';
  try {
    return new Metrics({ namespace: 'RegionFlip', serviceName: `${app}-failover` });
  } finally {
    if (before === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = before;
  }
}

/** An environment event as a combined-log line: which model it comes from, where, and what happened. */
function eventLine(e: EnvEvent): CombinedLogLine {
  const { at, type, ...fields } = e;
  const component =
    type === 'alarm-state'
      ? 'cloudwatch'
      : type === 'notification-published' || type === 'notification-delivered'
        ? 'sns'
        : type === 'handler-result'
          ? 'failover-handler'
          : type === 'replication'
            ? 'dynamodb-replication'
            : 'chaos';
  return { ...fields, time: new Date(at).toISOString(), component, level: 'info', msg: type };
}

export async function startLocalEnvironment(opts: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  const profile = opts.profile ?? LOCAL_PROFILE;
  const config = applyLocalProfile(opts.config ?? loadConfig(), profile);
  const names = namesFor(config);
  const regions = [config.regions.primary, config.regions.secondary] as const;
  const id = `${config.app}-${Date.now()}-${randomUUID().slice(0, 6)}`;
  // One timeline of both Regions for this run (the local central log platform): chaos/env/combined-log.ts.
  const combined = new CombinedLog({ file: join(ENV_STATE_DIR, 'logs', `${id}-combined.jsonl`) });
  combined.start();
  const log = (line: string) => {
    opts.log?.(line);
    combined.write({ time: new Date().toISOString(), component: 'environment', level: 'info', msg: line });
  };
  const adminToken = randomBytes(16).toString('hex');
  const processes: EnvProcess[] = [];
  const startedAt = new Date().toISOString();
  let connection: EnvConnection | undefined;
  const state = (): EnvState => ({
    id,
    runnerPid: process.pid,
    startedAt,
    processes,
    ...(connection ? { connection } : {}),
  });
  const events: EnvEvent[] = [];
  const record = (e: EnvEvent) => {
    let i = events.length;
    while (i > 0 && events[i - 1]!.at > e.at) i--;
    events.splice(i, 0, e);
    combined.write(eventLine(e));
  };
  const onError = (what: string) => (err: unknown) =>
    log(`${what}: ${err instanceof Error ? err.message : String(err)}`);

  // Everything started so far, stopped in reverse order by stop() (also when start fails half-way). The combined log
  // is stopped last, once the tenant services have written their last lines.
  const stops: (() => Promise<void>)[] = [() => combined.stop()];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        onError('stop')(err);
      }
    }
    removeEnvState(id);
  };

  try {
    let moto: MotoServer | undefined;
    let motoEndpoint = opts.motoEndpoint;
    if (!motoEndpoint) {
      log('starting moto server');
      moto = await startMotoServer({ log });
      const started = moto;
      stops.push(() => started.stop());
      processes.push({ pid: moto.pid, role: 'moto' });
      writeEnvState(state());
      motoEndpoint = moto.endpoint;
    }
    const target = { endpoint: motoEndpoint };
    // On loopback, a loaded moto may answer slowly: the environment's models keep the SDK's default timeouts.
    const clients: AwsClients = createAwsClients(regions, target, undefined);
    // One moto serves both Regions: a Region that is down gets its endpoints cut in this process's clients, before the
    // request leaves, as an unreachable regional endpoint fails a call (setRegionDown). The environment's own clients
    // lose the Region's DynamoDB; the failover handler's (its own, as a Lambda has) lose DynamoDB, CloudWatch and SNS
    // too, so it must decide from what it can still observe: the peer's probe alarm (architecture principle 9).
    const downRegions = new Set<string>();
    const cutWhenDown = (
      client: { middlewareStack: AwsClients['route53']['middlewareStack'] },
      region: string,
      service: string,
    ) =>
      client.middlewareStack.add(
        (next) => async (args) => {
          if (downRegions.has(region)) {
            throw Object.assign(new Error(`connect ECONNREFUSED: the ${service} endpoint of ${region} is down`), {
              name: 'ECONNREFUSED',
              code: 'ECONNREFUSED',
            });
          }
          return next(args);
        },
        { step: 'finalizeRequest', name: 'regionDownEndpoint' },
      );
    const handlerClients: AwsClients = createAwsClients(regions, target, undefined);
    for (const region of regions) {
      cutWhenDown(clients.dynamodb[region]!, region, 'DynamoDB');
      cutWhenDown(handlerClients.dynamodb[region]!, region, 'DynamoDB');
      cutWhenDown(handlerClients.cloudwatch[region]!, region, 'CloudWatch');
      cutWhenDown(handlerClients.sns[region]!, region, 'SNS');
    }
    stops.push(async () => {
      destroyAwsClients(clients);
      destroyAwsClients(handlerClients);
    });

    // The stand-in for Cognito: tenant tokens are short-lived RS256 ID tokens from its keys, never a shared secret.
    const identity = await LocalIdentityProvider.start();
    stops.push(() => identity.stop());

    const services: Record<string, ServiceProcess> = {};
    // Every start settles before a failure is thrown, so stop() also stops the service that was still starting.
    const startServices = async () => {
      const started = await Promise.allSettled(
        regions.map(async (region) => {
          const logFile = join(ENV_STATE_DIR, 'logs', `${id}-tenant-service-${region}.log`);
          combined.follow(logFile, { component: 'tenant-service', region });
          const service = await startServiceProcess({
            region,
            tableName: names.dataTable,
            awsEndpoint: motoEndpoint!,
            token: { ...identity.policy, jwksUrl: identity.jwksUrl },
            adminToken,
            logFile,
            startTimeoutMs: profile.startTimeoutMs,
          });
          services[region] = service;
          stops.push(() => service.stop());
          processes.push({ pid: service.pid, role: 'tenant-service', region });
          writeEnvState(state());
        }),
      );
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    };

    // The tenant services answer their health check without their table: they start while moto is provisioned.
    log('provisioning tables, topics, alarms, hosted zone and records; starting the tenant service in each Region');
    // Likewise provisioning and the services.
    const [provisioning, starting] = await Promise.allSettled([
      provisionLocalResources(config, clients),
      startServices(),
    ]);
    if (provisioning.status === 'rejected') throw provisioning.reason;
    if (starting.status === 'rejected') throw starting.reason;
    const provisioned: Provisioned = provisioning.value;
    // moto makes Route 53 changes INSYNC and visible at once: from here on (the zone as deployed has long propagated),
    // the switch and the resolvers see each change propagate.
    const propagation = new Route53Propagation({ delayMs: profile.route53PropagationMs });
    propagation.attach(clients.route53);
    propagation.attach(handlerClients.route53);

    const loadBalancers: Record<string, LocalLoadBalancer> = {};
    for (const region of regions) {
      const lb = new LocalLoadBalancer({
        region,
        targetUrl: services[region]!.url,
        ref: provisioned.loadBalancers[region]!,
        cloudwatch: clients.cloudwatch[region]!,
        periodSeconds: config.detection.periodSeconds,
        settings: profile.loadBalancer,
        onError: onError(`load balancer ${region}`),
      });
      await lb.start();
      loadBalancers[region] = lb;
      stops.push(() => lb.stop());
    }

    const lowLevel: Record<string, DynamoDBClient> = {};
    const streams: Record<string, DynamoDBStreamsClient> = {};
    for (const region of regions) {
      lowLevel[region] = new DynamoDBClient(clientConfig(region, target));
      streams[region] = new DynamoDBStreamsClient(clientConfig(region, target));
    }
    stops.push(async () => {
      for (const r of regions) {
        lowLevel[r]?.destroy();
        streams[r]?.destroy();
      }
    });
    const replication = new TableReplication({
      tableName: names.dataTable,
      regions,
      streamArns: provisioned.dataStreamArns,
      dynamodb: lowLevel,
      streams,
      lagMs: profile.replication.lagMs,
      pollMs: profile.replication.pollMs,
      record,
      onError: onError('replication'),
    });
    await replication.start();
    stops.push(() => replication.stop());
    const replicationEndpoint = new ReplicationEndpoint(() => ({
      at: new Date().toISOString(),
      paused: replication.isPaused,
      directions: replication.directionLags(),
    }));
    await replicationEndpoint.start();
    stops.push(() => replicationEndpoint.stop());

    const regionViews: Record<string, LocalRegion> = Object.fromEntries(
      regions.map((region) => [
        region,
        {
          region,
          serviceUrl: services[region]!.url,
          servicePid: services[region]!.pid,
          loadBalancerUrl: loadBalancers[region]!.url,
        },
      ]),
    );
    const tierOf = (tenantId: string): Tier => {
      const tenant = config.tenants.find((t) => t.id === tenantId);
      if (!tenant) {
        throw new Error(
          `unknown tenant "${tenantId}": the configuration has ${config.tenants.map((t) => t.id).join(', ')}`,
        );
      }
      return tenant.tier;
    };
    const serviceOf = (region: string): ServiceProcess => {
      const service = services[region];
      if (!service) throw new Error(`unknown Region "${region}": the environment has ${regions.join(' and ')}`);
      return service;
    };

    let delivery: SnsLambdaDelivery | undefined;
    let stopReconciler: (() => Promise<void>) | undefined;
    // A Region outage: what runs in the Region stops with it (LocalEnvironment.setRegionDown).
    const evaluators: Record<string, RegionAlarmEvaluator> = {};
    // Canaries stop only once the Region's evaluation has: its last evaluation must not read their absence as a
    // breaching probe of the PEER (missing = breaching) and leave the healthy Region looking unhealthy.
    const canariesDown = new Set<string>();
    let startEvaluator: ((region: string) => Promise<void>) | undefined;
    const env: LocalEnvironment = {
      id,
      config,
      profile,
      motoEndpoint,
      clients,
      hostedZoneId: provisioned.hostedZoneId,
      oncallTopicArn: provisioned.oncallTopicArn,
      regions: regionViews,
      tenantToken: (tenantId, tier) => identity.issue({ tenantId, tier: tier ?? tierOf(tenantId) }),
      dnsClient: (dnsOpts) =>
        new Route53DnsClient({
          route53: clients.route53,
          hostedZoneId: provisioned.hostedZoneId,
          loadBalancerUrl: (region) => loadBalancers[region]?.url,
          initialCacheAgeMs: dnsOpts?.cacheAgeMs,
          propagation,
        }),
      async setFault(region: string, fault: ServiceFault) {
        const res = await fetch(`${serviceOf(region).url}/admin/fault`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-admin-token': adminToken },
          body: JSON.stringify(fault),
        });
        const body = await res.text();
        if (res.status !== 200)
          throw new Error(`setting fault ${JSON.stringify(fault)} in ${region} failed: ${res.status} ${body}`);
        record({ at: Date.now(), type: 'fault-set', region, fault });
      },
      async faultOf(region: string) {
        const res = await fetch(`${serviceOf(region).url}/admin/fault`, { headers: { 'x-admin-token': adminToken } });
        return ((await res.json()) as { fault: ServiceFault }).fault;
      },
      replication: {
        pause: () => replication.pause(),
        resume: () => replication.resume(),
        get paused() {
          return replication.isPaused;
        },
        setLagMs: (ms) => replication.setLagMs(ms),
        lagMs: () => replication.lagMs(),
      },
      setLoadBalancerDark(region: string, dark: boolean) {
        const lb = loadBalancers[region];
        if (!lb) throw new Error(`unknown Region "${region}": the environment has ${regions.join(' and ')}`);
        lb.setDark(dark);
        record({ at: Date.now(), type: 'fault-set', region, fault: dark ? { kind: 'outage' } : { kind: 'none' } });
      },
      async setRegionDown(region: string, down: boolean) {
        const lb = loadBalancers[region];
        if (!lb) throw new Error(`unknown Region "${region}": the environment has ${regions.join(' and ')}`);
        if (down === downRegions.has(region)) return;
        if (down) {
          downRegions.add(region);
          lb.setDark(true);
          const { strandedWrites } = replication.haltRegion(region);
          await evaluators[region]?.stop();
          delete evaluators[region];
          canariesDown.add(region);
          record({ at: Date.now(), type: 'region-state', region, state: 'down', strandedWrites });
          return;
        }
        replication.restoreRegion(region);
        lb.setDark(false);
        downRegions.delete(region);
        canariesDown.delete(region);
        await startEvaluator?.(region);
        record({ at: Date.now(), type: 'region-state', region, state: 'up' });
      },
      isRegionDown: (region: string) => downRegions.has(region),
      stopNotificationDelivery: async () => {
        // The reconciler is the other way the handler runs: stop it too, and let a run under way finish.
        await stopReconciler?.();
        await delivery?.stop();
      },
      events: (since) => (since === undefined ? [...events] : events.filter((e) => e.at >= since)),
      combinedLogFile: combined.file,
      stop,
    };

    // Outside-in: each Region probed from its peer, published into the peer's CloudWatch (chaos/env/prober.ts).
    const prober = new RegionProber({
      config,
      cloudwatch: clients.cloudwatch,
      dns: () => env.dnsClient(),
      periodSeconds: config.detection.periodSeconds,
      timeoutMs: profile.prober.timeoutMs,
      regionDown: (region) => canariesDown.has(region),
      onError: onError('prober'),
    });
    prober.start();
    stops.push(() => prober.stop());
    // The probe alarm treats missing data as breaching: evaluate it only once the probes have filled its range, as
    // on AWS the canaries must have run before the alarm's actions mean anything (infra/README.md, "Deploying"). The
    // handler, SNS delivery and on-call inbox are set up meanwhile.
    const probeRangeMs = config.detection.evaluationPeriods * config.detection.periodSeconds * 1000;
    const probeRangeFilled = new Promise((r) => setTimeout(r, probeRangeMs + profile.evaluationDelayMs));
    const handler =
      opts.handler?.(env) ??
      createFailoverHandler({
        ...failoverDepsFromSettings(
          runtimeSettingsFromConfig(config, {
            hostedZoneId: provisioned.hostedZoneId,
            oncallTopicArn: provisioned.oncallTopicArn,
          }),
          handlerClients,
        ),
        // The Lambda's switch, polling for INSYNC at the profile's compressed interval.
        trafficSwitch: route53SwitchFor(config, handlerClients.route53, provisioned.hostedZoneId, {
          inSyncPollMs: profile.route53InSyncPollMs,
        }),
        leaseWaitMs: profile.handlerLeaseWaitMs,
        logger: forwardingLogger({ serviceName: `${config.app}-failover` }, opts.handlerLogLevel ?? 'WARN', (line) =>
          combined.write(line),
        ),
        metrics: handlerMetrics(config.app, opts.handlerLogLevel === 'INFO' || opts.handlerLogLevel === 'DEBUG'),
      });
    // The reconciler: EventBridge's scheduled event into the same handler, one run at a time.
    let reconciling: Promise<unknown> | undefined;
    const reconciler = setInterval(() => {
      if (reconciling) return;
      reconciling = (handler as (event: unknown) => Promise<unknown>)({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        detail: {},
      })
        // Recorded like a delivery's result: a failover the reconciler makes is the handler's failover too.
        .then((result) => record({ at: Date.now(), type: 'handler-result', messageId: 'reconcile', result }))
        .catch(onError('reconciler'))
        .finally(() => {
          reconciling = undefined;
        });
    }, profile.reconcileIntervalMs);
    reconciler.unref();
    stopReconciler = async () => {
      clearInterval(reconciler);
      await reconciling;
    };
    stops.push(() => stopReconciler!());
    // SNS of a Region that is down delivers nothing (its alarm evaluation is stopped too; this catches what was in flight).
    const regionalHandler: SnsLambdaHandler = async (event) => {
      const down = event.Records.map((r) => r.Sns.TopicArn.split(':')[3] ?? '').filter((r) => downRegions.has(r));
      if (down.length > 0) {
        log(`SNS in ${down.join(', ')} is down: notification not delivered`);
        return undefined;
      }
      return handler(event);
    };
    const notifications = new SnsLambdaDelivery({
      handler: regionalHandler,
      retryDelaysMs: profile.deliveryRetryDelaysMs,
      duplicates: profile.snsDuplicates,
      record,
    });
    delivery = notifications;
    await notifications.start();
    stops.push(() => notifications.stop());
    for (const region of regions)
      await notifications.subscribe(clients.sns[region]!, provisioned.alarmTopicArns[region]!);
    // What on-call receives, readable by `regionflip notifications` (chaos/env/oncall-inbox.ts).
    const inbox = new OncallInbox();
    await inbox.start();
    stops.push(() => inbox.stop());
    for (const region of regions) await inbox.subscribe(clients.sns[region]!, provisioned.oncallTopicArns[region]!);

    await probeRangeFilled;
    const accountId = provisioned.oncallTopicArn.split(':')[4] ?? '123456789012';
    startEvaluator = async (region: string) => {
      const evaluator = new RegionAlarmEvaluator({
        region,
        accountId,
        alarms: provisioned.alarms[region]!,
        extraAlarms: provisioned.probeAlarms[region] ?? [],
        cloudwatch: clients.cloudwatch[region]!,
        sns: clients.sns[region]!,
        periodSeconds: config.detection.periodSeconds,
        evaluationDelayMs: profile.evaluationDelayMs,
        record,
        onError: onError(`alarm evaluation ${region}`),
      });
      await evaluator.start();
      evaluators[region] = evaluator;
    };
    for (const region of regions) await startEvaluator(region);
    stops.push(async () => {
      for (const evaluator of Object.values(evaluators)) await evaluator.stop();
    });
    connection = {
      motoEndpoint,
      hostedZoneId: provisioned.hostedZoneId,
      config,
      regions: regionViews,
      adminToken,
      oncallInboxUrl: inbox.url,
      replicationUrl: replicationEndpoint.url,
    };
    writeEnvState(state());
    log(`environment ${id} is up`);
    return env;
  } catch (err) {
    await stop();
    throw err;
  }
}
