import { policySchema } from '../../failover/config/schema';
import type { AlarmEvent, Decision, DecisionInput, RegionHealth, RoutingState } from '../../failover/core/types';

/** Builders for the decision core's inputs: a failover-ready situation by default, each test changes one thing. */

export const PRIMARY = 'us-east-1';
export const SECONDARY = 'us-west-2';
export const PREFIX = 'regionflip-';
export const NOW = new Date('2026-03-01T03:00:00Z');

export function secondsBefore(now: Date, seconds: number): Date {
  return new Date(now.getTime() - seconds * 1000);
}

export function anAlarm(overrides: Partial<AlarmEvent> = {}): AlarmEvent {
  const region = overrides.region ?? PRIMARY;
  const alarmName = overrides.alarmName ?? `${PREFIX}${region}-region-unhealthy`;
  return {
    messageId: 'msg-1',
    alarmName,
    alarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`,
    region,
    accountId: '123456789012',
    newState: 'ALARM',
    oldState: 'OK',
    reason: 'Threshold Crossed',
    stateChangeTime: NOW,
    composite: true,
    ...overrides,
  };
}

export function aRouting(overrides: Partial<RoutingState> = {}): RoutingState {
  return {
    activeRegion: PRIMARY,
    epoch: 3,
    automation: { enabled: true },
    recentAutoFailovers: [],
    tenantOverrides: {},
    ...overrides,
  };
}

export function health(
  region: string,
  status: RegionHealth['status'],
  healthySeconds = 3600,
  now: Date = NOW,
): RegionHealth {
  return {
    region,
    status,
    since: secondsBefore(now, healthySeconds),
    alarmsInAlarm: status === 'unhealthy' ? [`${PREFIX}${region}-region-unhealthy`] : [],
  };
}

export function anInput(overrides: Partial<DecisionInput> = {}): DecisionInput & { alarm: AlarmEvent } {
  const routing = overrides.routing ?? aRouting();
  return {
    alarm: anAlarm(),
    truth: { kind: 'consistent', activeRegion: routing.activeRegion },
    routing: aRouting(),
    health: { [PRIMARY]: health(PRIMARY, 'unhealthy', 30), [SECONDARY]: health(SECONDARY, 'healthy') },
    policy: policySchema.parse({}),
    regions: { primary: PRIMARY, secondary: SECONDARY },
    managedAlarmPrefix: PREFIX,
    now: NOW,
    ...overrides,
  } as DecisionInput & { alarm: AlarmEvent };
}

/**
 * What the switch records after a completed automatic failover (failover/state): the active Region flips, the epoch
 * grows, the switch time and the automatic failover are remembered. Other decisions leave the state as it is.
 */
export function applyDecision(routing: RoutingState, decision: Decision, now: Date): RoutingState {
  if (decision.kind !== 'failover') return routing;
  return {
    ...routing,
    activeRegion: decision.to,
    epoch: routing.epoch + 1,
    lastSwitchAt: now,
    recentAutoFailovers: [...routing.recentAutoFailovers, now],
  };
}
