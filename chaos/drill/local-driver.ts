import { namesFor } from '../../failover/config/names';
import { readEnvStates } from '../env/env-state';
import type { EnvEvent, LocalEnvironment } from '../env/types';
import {
  controlStoreFor,
  controlTableFor,
  type DrillDriver,
  drillFailback,
  type FaultUndo,
  observedRoutingProblems,
  writeSeqsIn,
} from './driver';
import type { SwitchRecord } from './measure/route53-calls';

interface HandlerSwitchResult {
  readonly results?: readonly {
    readonly decision?: { readonly kind?: string };
    readonly switch?: {
      readonly outcome?: string;
      readonly request?: { readonly targetRegion?: string };
      readonly switchOutcome?: {
        readonly recordsChanged?: number;
        readonly changeCalls?: number;
        readonly retries?: number;
      };
    };
  }[];
}

/** The drill on the local two-Region environment: faults through the environment, events from what it saw. */
export function localDriver(env: LocalEnvironment, owned: boolean): DrillDriver {
  const config = env.config;
  const names = namesFor(config);
  const store = controlStoreFor(config, env.clients);
  const processes = readEnvStates().find((s) => s.id === env.id)?.processes ?? [];
  const pids = processes.length > 0 ? processes.map((p) => p.pid) : Object.values(env.regions).map((r) => r.servicePid);
  const lastEvent = <T extends EnvEvent>(match: (e: EnvEvent) => e is T): T | undefined =>
    env.events().filter(match).at(-1);

  return {
    target: 'local',
    config,
    store,
    controlTable: controlTableFor(config, env.clients),
    environment: {
      target: 'local',
      owned,
      motoEndpoint: env.motoEndpoint,
      hostedZoneId: env.hostedZoneId,
      config,
      services: Object.fromEntries(Object.values(env.regions).map((r) => [r.region, r.serviceUrl])),
      envId: env.id,
      pids,
      combinedLogFile: env.combinedLogFile,
    },
    trafficDefaults: {
      ratePerTenant: env.profile.traffic.requestsPerSecondPerTenant,
      writeShare: env.profile.traffic.writeShare,
      timeoutMs: env.profile.traffic.requestTimeoutMs,
    },
    detectionDelays: {
      evaluationDelayMs: env.profile.evaluationDelayMs,
      publishDelayMs: env.profile.loadBalancer.publishDelayMs,
      route53PropagationMs: env.profile.route53PropagationMs,
    },
    defaultProbeWindowMs: 2000,
    pollMs: 100,
    trafficTenants: () =>
      config.tenants.map((t) => ({
        id: t.id,
        tier: t.tier,
        token: env.tenantToken(t.id, t.tier),
        hostname: names.tenantRecord(t.id),
      })),
    newResolver: (cacheAgeMs) => {
      const dns = env.dnsClient({ cacheAgeMs });
      return async (hostname) => (await dns.resolve(hostname)).url;
    },
    async setServiceFault(region, fault) {
      await env.setFault(region, fault);
      return undefined;
    },
    async takeRegionDown(region) {
      await env.setRegionDown(region, true);
      return undefined;
    },
    async pauseReplication() {
      env.replication.pause();
      return undefined;
    },
    async replicationLagMs() {
      return env.replication.lagMs();
    },
    async lift(undo: FaultUndo) {
      const fault = undo.fault;
      if (fault.kind === 'replication-pause') {
        env.replication.resume();
        return 'replication resumed';
      }
      if (fault.kind === 'region-outage') {
        await env.setRegionDown(fault.region, false);
        return `${fault.region} is up again: load balancer, DynamoDB endpoint, replication, alarms and SNS`;
      }
      if ('region' in fault) {
        await env.setFault(fault.region, { kind: 'none' });
        return `fault switch of ${fault.region} set to none`;
      }
      return `nothing to lift for ${fault.kind}`;
    },
    async remainingFaults(undo) {
      const remaining: string[] = [];
      const regions = new Set(undo.flatMap((u) => ('region' in u.fault ? [u.fault.region] : [])));
      for (const region of regions) {
        if (env.isRegionDown(region)) remaining.push(`${region} is still down`);
        const fault = await env.faultOf(region);
        if (fault.kind !== 'none') remaining.push(`${region} still has fault ${JSON.stringify(fault)}`);
      }
      if (env.replication.paused) remaining.push('replication is still paused');
      return remaining;
    },
    failback: (region, runId) =>
      drillFailback(config, env.clients, store, env.hostedZoneId, region, runId, {
        inSyncPollMs: env.profile.route53InSyncPollMs,
      }),
    observedRoutingProblems: (region) =>
      observedRoutingProblems(
        {
          config,
          route53: env.clients.route53,
          hostedZoneId: env.hostedZoneId,
          probeBaseUrl: (r) => env.regions[r]?.loadBalancerUrl,
        },
        region,
      ),
    async stopOwnSwitching() {
      await env.stopNotificationDelivery();
      return 'alarm notifications no longer reach the failover handler; invocations under way finished';
    },
    // A Region's own health alarm, or the peer's probe alarm about it: a Region that is down evaluates nothing.
    async alarmFiredAt(region, since) {
      const alarms = [names.regionAlarm(region), names.probeAlarm(region)];
      return env.events(since).find((e) => e.type === 'alarm-state' && alarms.includes(e.alarm) && e.state === 'ALARM')
        ?.at;
    },
    async alarmsFired(since, until) {
      return env
        .events(since)
        .filter(
          (e): e is Extract<EnvEvent, { type: 'alarm-state' }> =>
            e.type === 'alarm-state' && e.state === 'ALARM' && e.at <= until,
        )
        .map((e) => ({ at: e.at, region: e.region, alarm: e.alarm, composite: e.composite }));
    },
    async alarmInAlarm(region, alarmName) {
      const last = lastEvent(
        (e): e is Extract<EnvEvent, { type: 'alarm-state' }> =>
          e.type === 'alarm-state' && e.region === region && e.alarm === alarmName,
      );
      return last?.state === 'ALARM';
    },
    notifiedAt(region, since) {
      const alarms = [names.regionAlarm(region), names.probeAlarm(region)];
      return env.events(since).find((e) => e.type === 'notification-published' && alarms.includes(e.alarm))?.at;
    },
    handlerSwitches(since) {
      const switches: SwitchRecord[] = [];
      for (const e of env.events(since)) {
        if (e.type !== 'handler-result') continue;
        for (const r of (e.result as HandlerSwitchResult | undefined)?.results ?? []) {
          if (r.switch?.outcome !== 'switched') continue;
          switches.push({
            at: e.at,
            by: 'failover-handler',
            toRegion: r.switch.request?.targetRegion ?? 'unknown',
            recordsChanged: r.switch.switchOutcome?.recordsChanged ?? 0,
            changeCalls: r.switch.switchOutcome?.changeCalls ?? 0,
            retries: r.switch.switchOutcome?.retries ?? 0,
          });
        }
      }
      return switches;
    },
    async presentWriteSeqs(region, tenantIds, idPrefix) {
      const db = env.clients.dynamodb[region];
      if (!db) throw new Error(`no DynamoDB client for ${region}`);
      return writeSeqsIn(db, names.dataTable, tenantIds, idPrefix);
    },
    async close() {
      if (owned) await env.stop();
    },
  };
}
