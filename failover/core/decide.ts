import { classifyAlarmName } from '../config/names';
import { regionOfTenant } from './scope';
import { convergence } from './truth';
import type { AlarmEvent, Decision, DecisionInput, NoopCode, PageCode, RegionHealth, RoutingState } from './types';

/**
 * The decision core: given what triggered it (an alarm notification, or a reconciliation with none), the routing as
 * observed and believed, the live health of both Regions and the policy, decide to fail over, converge routing, do
 * nothing, or page on-call. Pure: no AWS, no clock (input.now), no I/O.
 *
 * Precedence (first rule that matches wins) and why it is in this order:
 *   1. alarm-not-managed        (noop) the alarm's name lacks the managed prefix. First, so an alarm that is not ours
 *                               never pages anybody, whatever Region it claims.
 *   2. unknown-region           (page) the alarm is about (or lives in) a Region neither configured: a wiring error.
 *   3. not-an-alarm-transition  (noop) only a transition INTO ALARM acts. A recovery never triggers an automatic
 *                               failback: failback is a runbook step.
 *   4. routing-not-converged    (converge | page) the records are split, disagree with the table, or a switch was left
 *                               unfinished (failover/core/truth.ts has the rule). Before any alarm rule: every other
 *                               rule assumes it knows where traffic is, and a split is never healthy steady state.
 *      unknown-region           (page) the table's active Region is neither configured Region (corrupt state).
 *   5. monitor-alarm            (noop) a monitoring alarm (it notifies on-call itself); never a failover.
 *      tenant alarm             one premium tenant's silo: decided in the cell scope (decideForTenant below): that
 *                               tenant alone may move, under the same safety rules; the Region never moves for it.
 *   6. standby-region-alarm     (page) the alarm is about the standby Region: no traffic moves, but on-call must know
 *                               the failover target is gone.
 *   7. active-region-recovered  (noop) the active Region's live health reads OK again (the alarm flapped).
 *      stale-alarm              (noop) the notification is older than policy.maxAlarmAgeSeconds and live health does
 *                               not confirm it (a late retry must not move traffic on old news).
 *      (reconcile) active-region-healthy / active-region-health-unknown (noop): no evidence of harm, nothing to do.
 *   8. both-regions-unhealthy   (page) the target is unhealthy too. Target safety comes before the policy checks below:
 *      target-region-unhealthy  (page) the target's health is unknown: never move into a Region we cannot see healthy.
 *      target-not-healthy-long-enough (page) healthy for less than policy.targetHealthySeconds (it may be flapping).
 *   9. automation-disabled      (page) the kill switch is off: a human's explicit decision is the most specific reason.
 *  10. cooldown                 (page) the last switch (of any caller) was less than policy.cooldownSeconds ago; a
 *                               switch time in the future (clock skew) counts as inside the cooldown: the safe side.
 *  11. too-many-failovers       (page) policy.maxAutoFailovers automatic failovers already happened in the window.
 *  12. failover from the active Region to the other one: every tenant, except the premium tenants whose own silo in
 *      the target reads unhealthy (input.targetSilos), which are kept where they are (scope `keep`) and named in the
 *      reason: a Region move never drags a tenant into a silo that is down, or that it fled on its own. Only a reading
 *      of ALARM keeps a tenant; an unknown silo follows its Region, whose health was just checked.
 *
 * A probe alarm (outside-in availability of Region X, living in X's peer) counts as X's alarm: the Region it is ABOUT
 * comes from its name, not from the ARN (which names where it lives). Composite, probe and component alarms are treated
 * the same once managed; the live health read (rules 7 and 8) has the last word.
 */
export function decide(input: DecisionInput): Decision {
  const { alarm, routing, policy, regions, now } = input;
  const configured = [regions.primary, regions.secondary];
  let subjectRegion: string | undefined;
  const what = alarm ? describeAlarm(alarm) : 'The reconciler';

  if (alarm) {
    if (!alarm.alarmName.startsWith(input.managedAlarmPrefix)) {
      return noop(
        'alarm-not-managed',
        `${what} is not managed by RegionFlip (its name does not start with "${input.managedAlarmPrefix}"); ignored.`,
      );
    }
    const subject = classifyAlarmName({ app: input.managedAlarmPrefix.slice(0, -1), regions }, alarm.alarmName);
    if (!configured.includes(alarm.region) || !subject) {
      return page(
        'unknown-region',
        `${what} is from Region ${alarm.region}${subject ? '' : ' and names no configured Region'}, which is not ` +
          `this deployment's (${regions.primary} and ${regions.secondary}); nothing was changed. Check the alarm's ` +
          'name and ARN and the configured regions.',
      );
    }
    if (alarm.newState !== 'ALARM' || alarm.oldState === 'ALARM') {
      return noop(
        'not-an-alarm-transition',
        `${what} is not a transition into ALARM; nothing to do. A recovery never triggers an automatic failback: ` +
          'failback is a human decision (runbooks/failback.md).',
      );
    }
    if (subject.kind === 'monitor') {
      return noop('monitor-alarm', `${what} is a monitoring alarm (${subject.detail}): it never moves traffic.`);
    }
    subjectRegion = subject.region;
    if (subject.kind === 'tenant') {
      const converged = convergenceDecision(input);
      if (converged) return converged;
      return decideForTenant(input, what, subject.region, subject.tenantId);
    }
  }

  const converged = convergenceDecision(input);
  if (converged) return converged;

  const active = routing.activeRegion;
  if (!configured.includes(active)) {
    return page(
      'unknown-region',
      `${what} acted, but the control table says traffic is in Region ${active}, which is not one of this ` +
        `deployment's Regions (${regions.primary} and ${regions.secondary}); nothing was changed. Repair the routing ` +
        'state with the runbook before automation can act.',
    );
  }

  if (subjectRegion !== undefined && subjectRegion !== active) {
    const servedThere = Object.entries(routing.tenantOverrides)
      .filter(([, region]) => region === subjectRegion)
      .map(([tenantId]) => tenantId)
      .sort();
    return page(
      'standby-region-alarm',
      `${what} is about the standby Region ${subjectRegion}; traffic is in ${active} and stays there. The failover ` +
        `target is sick: until it recovers, a failover away from ${active} would be refused.` +
        (servedThere.length > 0
          ? ` Premium tenant(s) ${servedThere.join(', ')} are served from ${subjectRegion} on their own: move them ` +
            `back with \`regionflip failover --to ${active}${servedThere.map((t) => ` --tenant ${t}`).join('')}\` ` +
            '(runbooks/manual-failover.md).'
          : ''),
    );
  }

  const activeHealth = healthOf(input, active);
  if (!alarm) {
    if (activeHealth.status === 'healthy') {
      return noop('active-region-healthy', `Routing is converged on ${active}, which reads healthy; nothing to do.`);
    }
    if (activeHealth.status === 'unknown') {
      return noop(
        'active-region-health-unknown',
        `Routing is converged on ${active}, whose health cannot be read (${activeHealth.detail ?? 'unknown'}); ` +
          'without evidence of harm the reconciler does not act.',
      );
    }
  } else if (activeHealth.status === 'healthy') {
    return noop(
      'active-region-recovered',
      `${what} fired, but the active Region ${active} reads healthy again${since(activeHealth, now)}; the alarm ` +
        'flapped, so traffic stays.',
    );
  } else {
    const ageS = secondsBetween(now, alarm.stateChangeTime);
    if (ageS > policy.maxAlarmAgeSeconds && activeHealth.status !== 'unhealthy') {
      return noop(
        'stale-alarm',
        `${what} is ${ageS} s old (more than ${policy.maxAlarmAgeSeconds} s) and the live health of ${active} does ` +
          `not confirm it (${activeHealth.status}${activeHealth.detail ? `: ${activeHealth.detail}` : ''}); not acted on.`,
      );
    }
  }
  const evidence =
    activeHealth.status === 'unhealthy'
      ? `live health: unhealthy${inAlarm(activeHealth)}`
      : `live health cannot be read (${activeHealth.detail ?? 'unknown'}): acting on the notification, ` +
        `${alarm ? secondsBetween(now, alarm.stateChangeTime) : 0} s old`;

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
          `${policy.cooldownSeconds} s${sinceSwitch < 0 ? ' (its time is in the future: a clock is skewed)' : ''}. On-call decides.`,
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

  const keep = (input.premiumTenants ?? [])
    .filter((t) => regionOfTenant(routing, t) !== target && input.targetSilos?.[t]?.status === 'unhealthy')
    .sort();
  return {
    kind: 'failover',
    from: active,
    to: target,
    ...(keep.length > 0 ? { scope: { kind: 'region', keep } } : {}),
    reason:
      `${what} reports the active Region ${active} unhealthy (${evidence}); the target ` +
      `Region ${target} has been healthy for ${healthyFor === undefined ? 'an unknown time' : `${healthyFor} s`} ` +
      `(required ${policy.targetHealthySeconds} s) and ${inWindow} of ${policy.maxAutoFailovers} automatic ` +
      `failover(s) were used in the last ${policy.windowSeconds} s: failing over from ${active} to ${target}.` +
      (keep.length > 0
        ? ` Premium tenant(s) ${keep.join(', ')} stay in ${active}: their own silo in ${target} is unhealthy ` +
          `(${keep.map((t) => `${t}${inAlarm(input.targetSilos![t]!)}`).join('; ')}); on-call decides for them ` +
          '(runbooks/manual-failover.md).'
        : ''),
  };
}

/**
 * The cell scope: a premium tenant's own silo alarmed (rule 5). The same safety rules as a Region move, within the
 * tenant's scope, in the same order and for the same reasons:
 *   unknown-tenant          (page) not a configured premium tenant: only premium tenants have a silo of their own.
 *   standby-tenant-alarm    (page) the alarm is about the silo the tenant is NOT served from: its failover target.
 *   region-scope-applies    (noop) the tenant's whole Region is unhealthy: the Region's alarm moves every tenant in one
 *                           switch (one switch per tenant would race it for the lease and delay the shared record).
 *                           When that Region is the standby (the tenant lives there on its own), it pages instead
 *                           (standby-region-alarm): the Region's alarm moves nobody then.
 *   tenant-recovered        (noop) the tenant's silo where it is served reads healthy again (the alarm flapped).
 *   tenant-alarm            (page) the tenant's silos could not be read, or its serving silo is not confirmed in ALARM:
 *                           a tenant never moves on the notification alone.
 *   both-silos-unhealthy    (page) the tenant's silo in the other Region is unhealthy too.
 *   target-region-unhealthy (page) the other Region, or the tenant's silo there, is not seen healthy (unknown), or the
 *                           other Region as a whole is unhealthy: never move a tenant into a Region in ALARM.
 *   target-not-healthy-long-enough (page) the silo there, or its Region, has been healthy for less than
 *                           policy.targetHealthySeconds.
 *   automation-disabled     (page) the kill switch is global: off means no tenant moves either.
 *   cooldown                (page) the tenant's last switch — its own, or the Region's, which moved it too — was less
 *                           than policy.cooldownSeconds ago. A tenant's move never starts the Region's cooldown.
 *   too-many-failovers      (page) policy.maxAutoFailovers automatic moves of THIS tenant in the window: its own and
 *                           the Region's (which moved it too).
 *   failover                of that tenant alone (scope: tenants [id]); no other record moves.
 */
function decideForTenant(input: DecisionInput, what: string, alarmRegion: string, tenantId: string): Decision {
  const { routing, policy, regions, now } = input;
  if (!(input.premiumTenants ?? []).includes(tenantId)) {
    return page(
      'unknown-tenant',
      `${what} names tenant "${tenantId}", which is not a premium tenant of this deployment ` +
        `(${(input.premiumTenants ?? []).join(', ') || 'none configured'}); nothing was changed. Check the alarm's name ` +
        'and the tenants in the configuration.',
    );
  }
  const current = regionOfTenant(routing, tenantId);
  if (current !== regions.primary && current !== regions.secondary) {
    return page(
      'unknown-region',
      `${what}: the control table says premium tenant "${tenantId}" is served from ${current}, which is not one of ` +
        `this deployment's Regions (${regions.primary} and ${regions.secondary}); nothing was changed. Repair the ` +
        'routing state with the runbook before automation can act.',
    );
  }
  const target = current === regions.primary ? regions.secondary : regions.primary;
  if (alarmRegion !== current) {
    return page(
      'standby-tenant-alarm',
      `${what} is about premium tenant "${tenantId}"'s silo in ${alarmRegion}, but the tenant is served from ` +
        `${current} and stays there. Its failover target is sick: until it recovers, moving the tenant would be refused.`,
    );
  }
  const servingRegion = healthOf(input, current);
  if (servingRegion.status === 'unhealthy' && current !== routing.activeRegion) {
    // Served on its own from the standby Region, which is down: the Region's alarm (standby) moves nobody, so the
    // tenant's cell must not wait for it. Moving it back is into the active Region: a human confirms.
    return page(
      'standby-region-alarm',
      `${what}: premium tenant "${tenantId}" is served on its own from ${current}, and that whole Region is ` +
        `unhealthy${inAlarm(servingRegion)}. Move it back: \`regionflip failover --to ${routing.activeRegion} ` +
        `--tenant ${tenantId}\` (runbooks/manual-failover.md).`,
    );
  }
  if (servingRegion.status === 'unhealthy') {
    return noop(
      'region-scope-applies',
      `${what}: premium tenant "${tenantId}"'s silo alarmed while its whole Region ${current} is unhealthy` +
        `${inAlarm(servingRegion)}; the Region's own alarm decides for every tenant at once (one switch, not one per ` +
        'tenant racing for the lease).',
    );
  }
  const silos = input.tenantHealth;
  if (!silos) {
    return page(
      'tenant-alarm',
      `${what}: premium tenant "${tenantId}"'s silo in ${current} is unhealthy, and the health of its silos could not ` +
        'be read; a tenant never moves on a notification alone. On-call decides (runbooks/manual-failover.md).',
    );
  }
  const own = silos[current] ?? unknownHealth(current, `no reading of tenant "${tenantId}"'s silo`);
  if (own.status === 'healthy') {
    return noop(
      'tenant-recovered',
      `${what} fired, but premium tenant "${tenantId}"'s silo in ${current} reads healthy again${since(own, now)}; ` +
        'the alarm flapped, so the tenant stays.',
    );
  }
  if (own.status !== 'unhealthy') {
    return page(
      'tenant-alarm',
      `${what}: premium tenant "${tenantId}"'s silo in ${current} cannot be confirmed unhealthy ` +
        `(${own.detail ?? own.status}); a tenant never moves on a notification alone. On-call decides ` +
        '(runbooks/manual-failover.md).',
    );
  }
  const there = silos[target] ?? unknownHealth(target, `no reading of tenant "${tenantId}"'s silo`);
  const targetRegion = healthOf(input, target);
  const tenant = `premium tenant "${tenantId}"`;
  if (there.status === 'unhealthy') {
    return page(
      'both-silos-unhealthy',
      `${what}: ${tenant}'s silos are unhealthy in both Regions (${current}, and ${target}${inAlarm(there)}). ` +
        `The tenant stays in ${current}; nothing was changed.`,
    );
  }
  if (there.status === 'unknown' || targetRegion.status !== 'healthy') {
    const why =
      there.status === 'unknown'
        ? `its silo there cannot be seen healthy (${there.detail ?? 'unknown'})`
        : `the Region ${target} is ${targetRegion.status}${inAlarm(targetRegion)}`;
    return page(
      'target-region-unhealthy',
      `${what}: ${tenant}'s silo in ${current} is unhealthy, but ${why}; a tenant never moves into a Region that is ` +
        `not seen healthy, so it stays in ${current}.`,
    );
  }
  // Both the silo and its Region must have been healthy long enough: the later of the two recoveries counts.
  const healthyFor =
    there.since && targetRegion.since
      ? secondsBetween(now, new Date(Math.max(there.since.getTime(), targetRegion.since.getTime())))
      : undefined;
  if (policy.targetHealthySeconds > 0 && (healthyFor === undefined || healthyFor < policy.targetHealthySeconds)) {
    return page(
      'target-not-healthy-long-enough',
      `${what}: ${tenant}'s silo in ${target} (and its Region) has been healthy for ` +
        `${healthyFor === undefined ? 'an unknown time' : `${healthyFor} s`}, and it must be healthy for ` +
        `${policy.targetHealthySeconds} s before the tenant moves there; it stays in ${current}.`,
    );
  }
  const wouldMove = `${what} would move ${tenant} from ${current} to ${target}`;
  if (!routing.automation.enabled) {
    return page(
      'automation-disabled',
      `${wouldMove}, but automatic failover is disabled${routing.automation.reason ? ` ("${routing.automation.reason}")` : ''}. ` +
        'On-call decides: runbooks/manual-failover.md.',
    );
  }
  const { lastMoved, autoFailovers } = cellHistory(routing, tenantId);
  if (lastMoved) {
    const sinceSwitch = secondsBetween(now, lastMoved);
    if (sinceSwitch < policy.cooldownSeconds) {
      return page(
        'cooldown',
        `${wouldMove}, but the tenant moved ${sinceSwitch} s ago (cooldown ${policy.cooldownSeconds} s)` +
          `${sinceSwitch < 0 ? ' (its time is in the future: a clock is skewed)' : ''}. On-call decides.`,
      );
    }
  }
  const inWindow = autoFailovers.filter((t) => secondsBetween(now, t) < policy.windowSeconds).length;
  if (inWindow >= policy.maxAutoFailovers) {
    return page(
      'too-many-failovers',
      `${wouldMove}, but ${inWindow} automatic failover(s) moved this tenant (its own and the Region's) in the last ` +
        `${policy.windowSeconds} s and the limit is ${policy.maxAutoFailovers}. On-call decides.`,
    );
  }
  return {
    kind: 'failover',
    from: current,
    to: target,
    scope: { kind: 'tenants', tenantIds: [tenantId] },
    reason:
      `${what}: ${tenant}'s silo in ${current} is unhealthy (${own.status}${inAlarm(own)}); its silo in ${target} ` +
      `has been healthy for ${healthyFor === undefined ? 'an unknown time' : `${healthyFor} s`} and ${inWindow} of ` +
      `${policy.maxAutoFailovers} automatic failover(s) of this tenant were used in the last ${policy.windowSeconds} s: ` +
      `moving this tenant alone from ${current} to ${target}; every other tenant stays.`,
  };
}

/**
 * What moved one premium tenant's traffic, for its cooldown and budget: its own switches and the Region's (a Region
 * switch moved it too). Shared by the decision and by `status`, so both count the same way.
 */
export function cellHistory(
  routing: RoutingState,
  tenantId: string,
): { lastMoved: Date | undefined; autoFailovers: readonly Date[] } {
  const scope =
    routing.tenantScopes && Object.hasOwn(routing.tenantScopes, tenantId) ? routing.tenantScopes[tenantId] : undefined;
  const lastMoved = [scope?.lastSwitchAt, routing.lastSwitchAt]
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  return { lastMoved, autoFailovers: [...routing.recentAutoFailovers, ...(scope?.recentAutoFailovers ?? [])] };
}

/** Rule 4: a routing state that is not consistent is converged or paged, whatever triggered the decision. */
function convergenceDecision(input: DecisionInput): Decision | undefined {
  if (input.truth.kind === 'consistent') return undefined;
  const c = convergence(input.truth, input.health, input.routing, input.regions.primary);
  return c.kind === 'converge'
    ? { kind: 'converge', to: c.to, scope: c.scope, reason: c.reason }
    : page('routing-not-converged', c.reason);
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
  return input.health[region] ?? unknownHealth(region, 'no health reading for it');
}

function unknownHealth(region: string, detail: string): RegionHealth {
  return { region, status: 'unknown', alarmsInAlarm: [], detail };
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
