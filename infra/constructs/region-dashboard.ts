import { Duration, Stack } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  AlarmWidget,
  type CompositeAlarm,
  Dashboard,
  GraphWidget,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { FAILOVER_METRICS_NAMESPACE, type FailoverFunction, failoverMetricsService } from './failover-function';

export interface RegionDashboardProps {
  readonly config: RegionFlipConfig;
  readonly composite: CompositeAlarm;
  readonly alarms: readonly Alarm[];
  readonly failover: FailoverFunction;
}

/**
 * One dashboard per Region for on-call: is the Region healthy (the composite and its component alarms), what did the
 * failover Lambda decide (decisions, switches, records changed, rejected and duplicate deliveries), and is the failover
 * path itself healthy (errors, failed invocations). The routing state of record is the control table; see
 * `regionflip status` (runbooks/).
 */
export class RegionDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: RegionDashboardProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const { config, failover } = props;
    const handlerMetric = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: FAILOVER_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: failoverMetricsService(config.app) },
        statistic,
        period: Duration.minutes(1),
        region,
      });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${config.app}-${region}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# ${config.app} · ${region}\n` +
          `Primary **${config.regions.primary}**, standby **${config.regions.secondary}**. ` +
          'Automatic failover moves traffic off a Region whose health alarm fires; failback is a runbook ' +
          '(runbooks/failback.md). Routing state: `regionflip status`.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Region health',
        alarms: [props.composite, ...props.alarms],
        width: 12,
        height: 4,
      }),
      new AlarmStatusWidget({
        title: 'Failover path',
        alarms: [...failover.operationalAlarms],
        width: 12,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(...props.alarms.map((alarm) => new AlarmWidget({ alarm, width: 6, height: 6 })));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Failover decisions',
        left: ['DecisionFailover', 'DecisionNoop', 'DecisionPage'].map((m) => handlerMetric(m)),
        right: [handlerMetric('RejectedMessages'), handlerMetric('DuplicateDeliveries')],
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Switches (routing changes)',
        left: [handlerMetric('RecordsChanged')],
        right: [handlerMetric('SwitchDuration', 'Maximum')],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Failover Lambda',
        left: [failover.function.metricInvocations(), failover.function.metricErrors()],
        right: [failover.function.metricDuration({ statistic: 'Maximum' })],
        width: 12,
        height: 6,
      }),
      new SingleValueWidget({
        title: 'Failed invocations waiting',
        metrics: [failover.failedInvocations.metricApproximateNumberOfMessagesVisible()],
        width: 12,
        height: 6,
      }),
    );
  }
}
