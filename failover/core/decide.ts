import type { AlarmEvent, Decision, DecisionInput, NoopCode, PageCode, RegionHealth } from './types';

/**
 * The decision core: given one alarm notification, the live health of both Regions, the routing state and the policy,
 * decide to fail over, do nothing, or page on-call. Pure: no AWS, no clock (input.now), no I/O.
 *
 * Precedence (first rule that matches wins) and why it is in this order:
 *   1. alarm-not-managed        (noop) the alarm's name lacks the managed prefix. First, so an alarm that is not ours
 *                               never pages anybody, whatever Region it claims.
 *   2. unknown-region           (page) the alarm's Region is neither configured Region: a managed alarm we cannot
 *                               place is a wiring error a human must see, whatever its state.
 *   3. not-an-alarm-transition  (noop) only a transition INTO ALARM acts. OK and INSUFFICIENT_DATA never move traffic,
 *                               so a recovery never triggers an automatic failback: failback is a runbook step.
 *      unknown-region           (page) the control table's active Region is neither configured Region (corrupt state).
 *   4. standby-region-alarm     (noop) the alarm is the standby Region's: traffic is not there, there is nothing to move.
 *   5. active-region-recovered  (noop) the active Region's health alarm reads OK again (the alarm flapped). Unknown live
 *                               health does not count as recovered: the notification said ALARM, and we trust it.
 *   6. both-regions-unhealthy   (page) the target is unhealthy too. Target safety comes before the policy checks below:
 *      target-region-unhealthy  (page) the target's health is unknown: never move into a Region we cannot see healthy.
 *      target-not-healthy-long-enough (page) healthy for less than policy.targetHealthySeconds (it may be flapping).
 *                               Before the policy rules because on-call must first learn that even a manual failover
 *                               would be unsafe; the policy pages below mean "a failover is possible, but not automatic".
 *   7. automation-disabled      (page) the kill switch is off: a human's explicit decision is the most specific reason.
 *   8. cooldown                 (page) the last switch (of any caller) was less than policy.cooldownSeconds ago.
 *   9. too-many-failovers       (page) policy.maxAutoFailovers automatic failovers already happened in the window.
 *  10. failover from the active Region (the alarm's) to the other one.
 *
 * Composite and metric alarms are treated the same once managed: the composite carries the Region's verdict, a metric
 * alarm is one symptom, and either way the live health read (rules 5 and 6) has the last word.
 */
export function decide(input: DecisionInput): Decision {
  const { alarm, routing, policy, regions, now } = input;
  const what = describeAlarm(alarm);

  if (!alarm.alarmName.startsWith(input.managedAlarmPrefix)) {
    return noop(
      'alarm-not-managed',
      `${what} is not managed by RegionFlip (its name does not start with "${input.managedAlarmPrefix}"); ignored.`,
    );
  }

  const configured = [regions.primary, regions.secondary];
  if (!configured.includes(alarm.region)) {
    return page(
      'unknown-region',
      `${what} is from Region ${alarm.region}, which is not one of this deployment's Regions (${regions.primary} and ` +
        `${regions.secondary}); nothing was changed. Check the alarm's ARN and the configured regions.`,
    );
  }

  if (alarm.newState !== 'ALARM' || alarm.oldState === 'ALARM') {
    return noop(
      'not-an-alarm-transition',
      `${what} is not a transition into ALARM; nothing to do. A recovery never triggers an automatic failback: ` +
        'failback is a human decision (runbooks/failback.md).',
    );
  }

  const active = routing.activeRegion;
  if (!configured.includes(active)) {
    return page(
      'unknown-region',
      `${what} arrived, but the control table says traffic is in Region ${active}, which is not one of this ` +
        `deployment's Regions (${regions.primary} and ${regions.secondary}); nothing was changed. Repair the routing ` +
        'state with the runbook before automation can act.',
    );
  }

  if (alarm.region !== active) {
    return noop(
      'standby-region-alarm',
      `${what} belongs to the standby Region ${alarm.region}; traffic is in ${active}, so nothing moves. The standby ` +
        'is sick: until it recovers, a failover away from the active Region would be refused.',
    );
  }

  const activeHealth = healthOf(input, active);
  if (activeHealth.status === 'healthy') {
    return noop(
      'active-region-recovered',
      `${what} fired, but the active Region ${active} reads healthy again${since(activeHealth, now)}; the alarm ` +
        'flapped, so traffic stays.',
    );
  }

  const target = active === regions.primary ? regions.secondary : regions.primary;
  const targetHealth = healthOf(input, target);
  if (targetHealth.status === 'unhealthy') {
    return page(
      'both-regions-unhealthy',
      `Both Regions are unhealthy: ${what} reports the active Region ${active} (live health: ${activeHealth.status}) ` +
        `and the target Region ${target} is unhealthy too${inAlarm(targetHealth)}. Traffic stays in ${active}; ` +
        'nothing was changed.',
    );
  }
  if (targetHealth.status === 'unknown') {
    return page(
      'target-region-unhealthy',
      `${what} reports the active Region ${active}, but the health of the target Region ${target} is unknown` +
        `${targetHealth.detail ? ` (${targetHealth.detail})` : ''}; traffic never moves into a Region that is not ` +
        `seen healthy, so it stays in ${active}.`,
    );
  }
  const healthyFor = targetHealth.since ? secondsBetween(now, targetHealth.since) : undefined;
  if (policy.targetHealthySeconds > 0 && (healthyFor === undefined || healthyFor < policy.targetHealthySeconds)) {
    return page(
      'target-not-healthy-long-enough',
      `${what} reports the active Region ${active}, but the target Region ${target} has been healthy for ` +
        `${healthyFor === undefined ? 'an unknown time' : `${healthyFor} s`}, and it must be healthy for ` +
        `${policy.targetHealthySeconds} s before traffic moves there; traffic stays in ${active}.`,
    );
  }

  const wouldMove = `${what} would move traffic from ${active} to ${target}`;
  if (!routing.automation.enabled) {
    const { reason, changedBy, changedAt } = routing.automation;
    return page(
      'automation-disabled',
      `${wouldMove}, but automatic failover is disabled` +
        `${changedBy ? ` by ${changedBy}` : ''}${changedAt ? ` at ${changedAt.toISOString()}` : ''}` +
        `${reason ? ` ("${reason}")` : ''}. On-call decides: runbooks/manual-failover.md.`,
    );
  }

  if (routing.lastSwitchAt) {
    const sinceSwitch = secondsBetween(now, routing.lastSwitchAt);
    if (sinceSwitch < policy.cooldownSeconds) {
      return page(
        'cooldown',
        `${wouldMove}, but it is within the cooldown: last switch ${sinceSwitch} s ago, cooldown is ` +
          `${policy.cooldownSeconds} s. On-call decides.`,
      );
    }
  }

  // A timestamp in the future (clock skew) counts as inside the window: the safe side.
  const inWindow = routing.recentAutoFailovers.filter((t) => secondsBetween(now, t) < policy.windowSeconds).length;
  if (inWindow >= policy.maxAutoFailovers) {
    return page(
      'too-many-failovers',
      `${wouldMove}, but ${inWindow} automatic failover(s) already happened in the last ${policy.windowSeconds} s ` +
        `and the limit is ${policy.maxAutoFailovers}. On-call decides.`,
    );
  }

  return {
    kind: 'failover',
    from: active,
    to: target,
    reason:
      `${what} reports the active Region ${active} unhealthy (live health: ${activeHealth.status}); the target ` +
      `Region ${target} has been healthy for ${healthyFor === undefined ? 'an unknown time' : `${healthyFor} s`} ` +
      `(required ${policy.targetHealthySeconds} s) and ${inWindow} of ${policy.maxAutoFailovers} automatic ` +
      `failover(s) were used in the last ${policy.windowSeconds} s: failing over from ${active} to ${target}.`,
  };
}

function noop(code: NoopCode, reason: string): Decision {
  return { kind: 'noop', code, reason };
}

function page(code: PageCode, reason: string): Decision {
  return { kind: 'page', code, reason };
}

function describeAlarm(alarm: AlarmEvent): string {
  const kind = alarm.composite ? 'Composite alarm' : 'Alarm';
  return `${kind} "${alarm.alarmName}" (${alarm.region}, ${alarm.oldState} -> ${alarm.newState})`;
}

/** A Region missing from the health read is unknown, never assumed healthy. */
function healthOf(input: DecisionInput, region: string): RegionHealth {
  return input.health[region] ?? { region, status: 'unknown', alarmsInAlarm: [], detail: 'no health reading for it' };
}

/** Whole seconds from `earlier` to `later`, rounded down so "120 s ago" never overstates the elapsed time. */
function secondsBetween(later: Date, earlier: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / 1000);
}

function since(health: RegionHealth, now: Date): string {
  return health.since ? ` (for ${secondsBetween(now, health.since)} s)` : '';
}

function inAlarm(health: RegionHealth): string {
  return health.alarmsInAlarm.length > 0 ? ` (in ALARM: ${health.alarmsInAlarm.join(', ')})` : '';
}
