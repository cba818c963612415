import {
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  type DescribeAlarmsCommandOutput,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import type { RegionHealth } from '../core/types';
import type { HealthReader } from '../ports';

export interface CloudWatchHealthReaderProps {
  /** One client per Region, each calling its own Region's endpoint (failover/aws/clients.ts). */
  readonly cloudwatch: Readonly<Record<string, CloudWatchClient>>;
  /** The Region's health alarm (names.regionAlarm): its state is the Region's verdict. */
  readonly regionAlarmName: (region: string) => string;
  /** A premium tenant's silo composite (names.tenantAlarm): read for the cell scope when given. */
  readonly tenantAlarmName?: (region: string, tenantId: string) => string;
  /** names.alarmPrefix: the Region's managed alarms are named `${alarmPrefix}${region}-…`. */
  readonly alarmPrefix: string;
  /**
   * Region signals outside the composite (names.isAdvancedHealthyAlarm: each advanced tenant's healthy-hosts alarm,
   * in its tenant stack): one in ALARM makes the Region unhealthy whatever the composite says.
   */
  readonly isRegionSignal?: (region: string, alarmName: string) => boolean;
  /** Each CloudWatch call is abandoned after this long, so a Region that does not answer cannot stall a failover. */
  readonly callTimeoutMs?: number;
  /**
   * The outside-in availability alarm about a Region (names.probeAlarm) and where it lives (the peer Region). A Region
   * that goes dark cannot be read, but its peer's probe alarm can: detection from outside (architecture principle 9).
   */
  readonly probe?: { readonly alarmName: (region: string) => string; readonly peerOf: (region: string) => string };
}

const DEFAULT_CALL_TIMEOUT_MS = 3000;
/** DescribeAlarms takes at most 100 AlarmNames per call (CloudWatch API reference, DescribeAlarms). */
const DESCRIBE_ALARM_NAMES_MAX = 100;

/**
 * Reads the health of each Region from that Region's own CloudWatch, all Regions in parallel. A Region whose API fails
 * or does not answer reads as 'unknown' with the error in `detail`; it never throws for one Region, because the Region
 * that is down (often us-east-1) is exactly the one whose API may be failing.
 *
 * @example
 * const names = namesFor(config);
 * const reader = new CloudWatchHealthReader({
 *   cloudwatch: clients.cloudwatch,
 *   regionAlarmName: names.regionAlarm,
 *   alarmPrefix: names.alarmPrefix,
 * });
 * const health = await reader.read([config.regions.primary, config.regions.secondary]);
 */
export class CloudWatchHealthReader implements HealthReader {
  private readonly callTimeoutMs: number;

  constructor(private readonly props: CloudWatchHealthReaderProps) {
    this.callTimeoutMs = props.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    if (!Number.isFinite(this.callTimeoutMs) || this.callTimeoutMs <= 0) {
      throw new Error(`callTimeoutMs=${props.callTimeoutMs} is invalid: give a positive number of milliseconds`);
    }
  }

  async read(regions: readonly string[]): Promise<Record<string, RegionHealth>> {
    const healths = await Promise.all(regions.map((region) => this.readWithProbe(region)));
    return Object.fromEntries(healths.map((h) => [h.region, h]));
  }

  /**
   * A premium tenant's silo in each Region: its composite's state, read in that Region (unknown when it cannot be
   * read or does not exist). The peer's probe does not apply: it probes the Region, not one silo.
   */
  async readTenant(tenantId: string, regions: readonly string[]): Promise<Record<string, RegionHealth>> {
    const name = this.props.tenantAlarmName;
    const healths = await Promise.all(
      regions.map((region) =>
        name
          ? this.readRegion(region, name(region, tenantId), name(region, tenantId))
          : Promise.resolve(unknown(region, 'this reader was built without tenant alarm names')),
      ),
    );
    return Object.fromEntries(healths.map((h) => [h.region, h]));
  }

  /**
   * Premium tenants' silo composites in one Region, up to 100 names per DescribeAlarms call (its AlarmNames limit). A
   * tenant whose composite is missing, or a Region that cannot be read, reads unknown (it then follows its Region).
   */
  async readTenantsIn(tenantIds: readonly string[], region: string): Promise<Record<string, RegionHealth>> {
    const name = this.props.tenantAlarmName;
    const client = this.props.cloudwatch[region];
    const ids = [...new Set(tenantIds)];
    const all = (detail: string) => Object.fromEntries(ids.map((id) => [id, unknown(region, detail)]));
    if (!name) return all('this reader was built without tenant alarm names');
    if (!client) return all(`no CloudWatch client for Region ${region}`);
    const byName = new Map<string, CompositeAlarm | MetricAlarm>();
    try {
      for (let i = 0; i < ids.length; i += DESCRIBE_ALARM_NAMES_MAX) {
        const names = ids.slice(i, i + DESCRIBE_ALARM_NAMES_MAX).map((id) => name(region, id));
        for (const alarm of await this.describe(client, region, { AlarmNames: names })) {
          byName.set(alarm.AlarmName ?? '', alarm);
        }
      }
    } catch (err) {
      return all(`CloudWatch DescribeAlarms in ${region} failed: ${describeError(err, this.callTimeoutMs)}`);
    }
    return Object.fromEntries(
      ids.map((id) => {
        const alarmName = name(region, id);
        const alarm = byName.get(alarmName);
        if (!alarm) return [id, unknown(region, `tenant alarm "${alarmName}" does not exist in ${region}`)];
        const since = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
        const status = STATUS_OF[alarm.StateValue ?? ''] ?? 'unknown';
        const health: RegionHealth = {
          region,
          status,
          ...(since ? { since } : {}),
          alarmsInAlarm: status === 'unhealthy' ? [alarmName] : [],
          ...(status === 'unknown'
            ? { detail: `tenant alarm "${alarmName}" is ${alarm.StateValue ?? 'stateless'}` }
            : {}),
        };
        return [id, health];
      }),
    );
  }

  /**
   * The Region's own verdict combined with the peer's probe alarm about it: ALARM in either → unhealthy (a dark
   * Region whose CloudWatch cannot be read is unhealthy when its peer cannot reach it); healthy only when its own
   * verdict is OK and the probe alarm, where it exists and can be read, is OK too (healthy since the later of both).
   *
   * The probe alarm lives in the PEER. When the peer's CloudWatch cannot be read at all, the peer is the Region that
   * is failing — the very moment a failover into this Region is needed — so the own verdict stands, and the detail
   * says the outside-in view is missing. (Treating that as "unknown" would refuse every failover out of a Region whose
   * CloudWatch is down: a whole-Region outage would never fail over.) A probe alarm that can be read but is not OK
   * (INSUFFICIENT_DATA) still makes the Region unknown: the prober is up and cannot vouch for it.
   */
  private async readWithProbe(region: string): Promise<RegionHealth> {
    const probe = this.props.probe;
    const [own, outside] = await Promise.all([
      this.readRegion(region),
      probe ? this.readProbe(region, probe.alarmName(region), probe.peerOf(region)) : Promise.resolve(undefined),
    ]);
    if (!outside || outside.state === 'absent') return own;
    const probeName = probe!.alarmName(region);
    if (outside.state === 'ALARM') {
      return {
        region,
        status: 'unhealthy',
        ...(outside.since ? { since: outside.since } : {}),
        alarmsInAlarm: [...new Set([...own.alarmsInAlarm, probeName])].sort(),
        ...(own.status === 'unknown'
          ? { detail: `${own.detail}; the probe alarm in ${probe!.peerOf(region)} is in ALARM` }
          : {}),
      };
    }
    if (own.status !== 'healthy') return own;
    if (outside.state === 'unreadable') {
      return {
        ...own,
        detail: `own alarms OK; no outside-in view: its probe alarm "${probeName}" cannot be read (${outside.detail})`,
      };
    }
    if (outside.state !== 'OK') {
      return {
        ...own,
        status: 'unknown',
        detail: `its probe alarm "${probeName}" in ${probe!.peerOf(region)} is ${outside.state}${outside.detail ? ` (${outside.detail})` : ''}`,
      };
    }
    const since =
      own.since && outside.since ? new Date(Math.max(own.since.getTime(), outside.since.getTime())) : own.since;
    return { ...own, ...(since ? { since } : {}) };
  }

  private async readProbe(
    region: string,
    alarmName: string,
    peer: string,
  ): Promise<{ state: string; since?: Date; detail?: string }> {
    const client = this.props.cloudwatch[peer];
    if (!client) return { state: 'unreadable', detail: `no CloudWatch client for ${peer}` };
    try {
      const alarms = await this.describe(client, peer, { AlarmNames: [alarmName] });
      const alarm = alarms.find((a) => a.AlarmName === alarmName);
      if (!alarm) return { state: 'absent' };
      const since = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
      return { state: alarm.StateValue ?? 'unknown', ...(since ? { since } : {}) };
    } catch (err) {
      return {
        state: 'unreadable',
        detail: `CloudWatch DescribeAlarms in ${peer} (probe of ${region}) failed: ${describeError(err, this.callTimeoutMs)}`,
      };
    }
  }

  /** The verdict alarm's state in its Region, with the managed alarms under `inAlarmPrefix` that are in ALARM. */
  private async readRegion(
    region: string,
    alarmName = this.props.regionAlarmName(region),
    inAlarmPrefix = `${this.props.alarmPrefix}${region}-`,
  ): Promise<RegionHealth> {
    const client = this.props.cloudwatch[region];
    if (!client) {
      const known = Object.keys(this.props.cloudwatch).join(', ') || 'none';
      return unknown(region, `no CloudWatch client for Region ${region} (clients exist for: ${known})`);
    }
    try {
      const [verdict, alarmsInAlarm] = await Promise.all([
        this.describe(client, region, { AlarmNames: [alarmName] }),
        this.describe(client, region, { AlarmNamePrefix: inAlarmPrefix, StateValue: 'ALARM' }),
      ]);
      const alarm = verdict.find((a) => a.AlarmName === alarmName);
      // The describe filter on StateValue is not honoured by every endpoint (moto ignores it with a prefix): re-check.
      const inAlarm = alarmsInAlarm
        .filter((a) => a.StateValue === 'ALARM')
        .map((a) => a.AlarmName ?? '')
        .sort();
      const signals = alarmsInAlarm.filter(
        (a) => a.StateValue === 'ALARM' && this.props.isRegionSignal?.(region, a.AlarmName ?? ''),
      );
      if (signals.length > 0) {
        const since = signals
          .map((a) => a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp)
          .filter((d): d is Date => d !== undefined)
          .sort((a, b) => a.getTime() - b.getTime())[0];
        return { region, status: 'unhealthy', ...(since ? { since } : {}), alarmsInAlarm: inAlarm };
      }
      if (!alarm) {
        return unknown(region, `health alarm "${alarmName}" does not exist in ${region}`, inAlarm);
      }
      const since = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
      const status = STATUS_OF[alarm.StateValue ?? ''];
      if (!status) {
        return {
          ...unknown(region, `health alarm "${alarmName}" is ${alarm.StateValue ?? 'without a state'}`, inAlarm),
          ...(since ? { since } : {}),
        };
      }
      return { region, status, ...(since ? { since } : {}), alarmsInAlarm: inAlarm };
    } catch (err) {
      return unknown(
        region,
        `CloudWatch DescribeAlarms in ${region} failed: ${describeError(err, this.callTimeoutMs)}`,
      );
    }
  }

  /** Every composite and metric alarm matching the filter, all pages, each call bounded by the timeout. */
  private async describe(
    client: CloudWatchClient,
    region: string,
    filter: Omit<DescribeAlarmsCommandInput, 'AlarmTypes' | 'NextToken'>,
  ): Promise<(CompositeAlarm | MetricAlarm)[]> {
    const alarms: (CompositeAlarm | MetricAlarm)[] = [];
    let nextToken: string | undefined;
    do {
      const page: DescribeAlarmsCommandOutput = await client.send(
        new DescribeAlarmsCommand({
          ...filter,
          AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
        { abortSignal: AbortSignal.timeout(this.callTimeoutMs) },
      );
      alarms.push(...(page.CompositeAlarms ?? []), ...(page.MetricAlarms ?? []));
      if (page.NextToken && page.NextToken === nextToken) {
        throw new Error(`DescribeAlarms in ${region} returned the same NextToken twice`);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return alarms;
  }
}

const STATUS_OF: Readonly<Record<string, RegionHealth['status'] | undefined>> = {
  OK: 'healthy',
  ALARM: 'unhealthy',
};

function unknown(region: string, detail: string, alarmsInAlarm: readonly string[] = []): RegionHealth {
  return { region, status: 'unknown', alarmsInAlarm, detail };
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError';
    return `${err.name}: ${err.message}${timedOut ? ` (no answer within ${timeoutMs} ms)` : ''}`;
  }
  return String(err);
}
