import type { RegionFlipConfig } from '../../failover/config/schema';
import { resolveRegion } from './load';
import {
  type Drill,
  type DrillStep,
  type DrillTarget,
  type Duration,
  durationMs,
  type Fault,
  type Probe,
  type Rollback,
  type StopCondition,
  type WaitCondition,
} from './schema';

/** Sentences for the plan, the live progress and the reports. Regions are shown resolved, with their role. */

type Regions = Pick<RegionFlipConfig, 'regions'>;

const seconds = (d: Duration, target: DrillTarget) => `${durationMs(d, target) / 1000} s`;

function region(ref: string, config: Regions): string {
  const code = resolveRegion(ref, config);
  const role = code === config.regions.primary ? 'primary' : 'secondary';
  return `${code} (${role})`;
}

export function describeFault(fault: Fault, config: Regions, target: DrillTarget): string {
  switch (fault.kind) {
    case 'region-outage':
      return `Region outage in ${region(fault.region, config)}: the whole Region goes dark (service, DynamoDB, replication out, alarms, SNS)`;
    case 'service-outage':
      return `service outage in ${region(fault.region, config)}: every request fails with 503`;
    case 'error-rate':
      return `brown-out in ${region(fault.region, config)}: ${fault.percent} % of requests fail with 500`;
    case 'latency':
      return `brown-out in ${region(fault.region, config)}: every request delayed ${fault.ms} ms`;
    case 'replication-pause':
      return 'DynamoDB replication between the Regions paused';
    case 'automation-disable':
      return 'automatic failover disabled (kill switch in the control table)';
    case 'alarm-flap':
      return `flapping ${region(fault.region, config)}: ${fault.cycles} × (down ${seconds(fault.down, target)}, up ${seconds(fault.up, target)})`;
  }
}

export function describeProbe(probe: Probe, config: Regions): string {
  switch (probe.type) {
    case 'success-rate':
      return `client success rate >= ${(probe.min * 100).toFixed(1)} %`;
    case 'p99-latency':
      return `client p99 latency <= ${probe.maxMs} ms`;
    case 'serving-region':
      return `every tenant answered by ${region(probe.region, config)}`;
    case 'replication-lag':
      return `replication lag <= ${probe.maxMs} ms`;
    case 'routing':
      return `routing points at ${region(probe.activeRegion, config)}`;
    case 'automation':
      return `automatic failover ${probe.enabled ? 'enabled' : 'disabled'}`;
  }
}

function describeWait(until: WaitCondition, config: Regions): string {
  switch (until.event) {
    case 'alarm':
      return `an alarm about ${region(until.region, config)} fires (its own health alarm, or the peer's probe alarm)`;
    case 'failover':
      return 'a failover completes';
    case 'page':
      return 'on-call is paged';
    case 'clients-served-by':
      return `every tenant is answered by ${region(until.region, config)}`;
  }
}

export function describeStep(step: DrillStep, config: Regions, target: DrillTarget): string {
  switch (step.type) {
    case 'action':
      if (step.fault.kind === 'alarm-flap')
        return `inject ${describeFault(step.fault, config, target)}, then leave it up`;
      return `inject ${describeFault(step.fault, config, target)}${step.duration ? ` for ${seconds(step.duration, target)}` : ' (until rollback)'}`;
    case 'clear':
      return `lift ${step.kinds ? step.kinds.join(', ') : 'every'} fault${step.kinds?.length === 1 ? '' : 's'}`;
    case 'probe':
      return `probe: ${describeProbe(step.probe, config)}`;
    case 'wait':
      return step.until
        ? `wait until ${describeWait(step.until, config)} (at most ${seconds(step.timeout, target)}${step.onTimeout === 'continue' ? ', optional' : ''})`
        : `wait ${seconds(step.timeout, target)}`;
  }
}

export function describeStopCondition(stop: StopCondition, config: Regions, target: DrillTarget): string {
  switch (stop.type) {
    case 'max-duration':
      return `the method takes longer than ${seconds(stop.duration, target)}`;
    case 'client-error-rate':
      return `more than ${(stop.above * 100).toFixed(0)} % of client requests fail over ${seconds(stop.window, target)}${stop.grace ? ` (after ${seconds(stop.grace, target)} of grace per fault)` : ''}`;
    case 'alarm':
      return `alarm "${stop.alarmName}" in ${region(stop.region, config)} goes to ALARM`;
  }
}

export function describeRollback(rollback: Rollback, config: Regions): string {
  switch (rollback.type) {
    case 'clear-faults':
      return 'lift every fault the drill injected';
    case 'resume-replication':
      return 'resume replication';
    case 'enable-automation':
      return 're-enable automatic failover';
    case 'failback':
      return `fail back to ${region(rollback.region ?? 'primary', config)} (the same switch as a failover, caller "drill")`;
  }
}

/** What `--dry-run` prints: everything the drill would do, in order. Reads nothing, touches nothing. */
export function drillPlan(drill: Drill, config: Regions, target: DrillTarget): string {
  const e = drill.expectations;
  const lines = [
    `Drill: ${drill.title} (target: ${target})`,
    ...(drill.description ? [`  ${drill.description.trim().replace(/\n/g, '\n  ')}`] : []),
    '',
    `Traffic: ${drill.traffic.clientsPerTenant} client(s) per tenant, ` +
      `${drill.traffic.ratePerClient ?? 'default'} req/s each, ` +
      `${drill.traffic.writeShare === undefined ? 'default share of' : `${Math.round(drill.traffic.writeShare * 100)} %`} ` +
      'sequence-numbered writes, all tiers',
    '',
    `Steady-state hypothesis: ${drill.steadyStateHypothesis.title}`,
    ...drill.steadyStateHypothesis.probes.map((p) => `  - ${describeProbe(p, config)}`),
    '',
    'Method:',
    ...drill.method.map((s, i) => `  ${i + 1}. [${s.type}] ${s.name}: ${describeStep(s, config, target)}`),
    '',
    'Stop conditions (abort and roll back when):',
    ...(drill.stopConditions.length > 0
      ? drill.stopConditions.map((s) => `  - ${describeStopCondition(s, config, target)}`)
      : ['  - none']),
    '',
    'Rollbacks (always, also on Ctrl-C or error; `regionflip drill rollback` after a crash):',
    ...drill.rollbacks.map((r) => `  - ${describeRollback(r, config)}`),
    '',
    'Expectations:',
    `  - outcome: ${e.outcome}`,
    ...(e.maxFailovers !== undefined ? [`  - at most ${e.maxFailovers} failover(s)`] : []),
    ...(e.rto !== undefined ? [`  - RTO <= ${seconds(e.rto, target)}`] : []),
    ...(e.rpoMaxLostWrites !== undefined ? [`  - at most ${e.rpoMaxLostWrites} acknowledged write(s) lost`] : []),
    ...(e.rpo !== undefined ? [`  - RPO <= ${seconds(e.rpo, target)}`] : []),
    ...(e.clientErrorWindow !== undefined
      ? [`  - client error window <= ${seconds(e.clientErrorWindow, target)}`]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}
