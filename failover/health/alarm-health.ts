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
  /** names.alarmPrefix: the Region's managed alarms are named `${alarmPrefix}${region}-…`. */
  readonly alarmPrefix: string;
  /** Each CloudWatch call is abandoned after this long, so a Region that does not answer cannot stall a failover. */
  readonly callTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 3000;

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
    const healths = await Promise.all(regions.map((region) => this.readRegion(region)));
    return Object.fromEntries(healths.map((h) => [h.region, h]));
  }

  private async readRegion(region: string): Promise<RegionHealth> {
    const client = this.props.cloudwatch[region];
    if (!client) {
      const known = Object.keys(this.props.cloudwatch).join(', ') || 'none';
      return unknown(region, `no CloudWatch client for Region ${region} (clients exist for: ${known})`);
    }
    const alarmName = this.props.regionAlarmName(region);
    try {
      const [verdict, alarmsInAlarm] = await Promise.all([
        this.describe(client, region, { AlarmNames: [alarmName] }),
        this.describe(client, region, { AlarmNamePrefix: `${this.props.alarmPrefix}${region}-`, StateValue: 'ALARM' }),
      ]);
      const alarm = verdict.find((a) => a.AlarmName === alarmName);
      // The describe filter on StateValue is not honoured by every endpoint (moto ignores it with a prefix): re-check.
      const inAlarm = alarmsInAlarm
        .filter((a) => a.StateValue === 'ALARM')
        .map((a) => a.AlarmName ?? '')
        .sort();
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
