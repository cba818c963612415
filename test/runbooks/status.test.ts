import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { DeleteAlarmsCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { createAwsClients } from '../../failover/aws/clients';
import { controlRegionOf, namesFor } from '../../failover/config/names';
import { CloudWatchHealthReader } from '../../failover/health/alarm-health';
import type { HealthReader } from '../../failover/ports';
import { activeDrill, markDrillEnded, markDrillStarted } from '../../failover/state/drill-marker';
import { executeSwitch, systemClock } from '../../failover/switch/execute-switch';
import { provisionRecords } from '../../failover/switch/records';
import type { LastDrill } from '../../runbooks/ports';
import { formatStatus, gatherStatus, type StatusReport } from '../../runbooks/status';
import { runSwitchRunbook } from '../../runbooks/switch-runbook';
import { captureCli } from '../cli/capture-cli';
import { motoTarget } from '../support/moto';
import { ONCALL_EMAIL, PRIMARY, provisionDeployment, SECONDARY, type TestDeployment } from './support/deployment';
import { failbackOptions, failOverTo, runbookDeps } from './support/runbook-deps';

function statusOf(
  dep: TestDeployment,
  lastDrill?: LastDrill,
  maxReplicationLagMs = 5000,
  health: HealthReader = dep.ctx.health,
): Promise<StatusReport> {
  return gatherStatus({
    config: dep.config,
    route53: dep.clients.route53,
    hostedZoneId: dep.hostedZoneId,
    store: dep.ctx.store,
    health,
    activeDrill: dep.ctx.activeDrill,
    unfinishedRuns: () => dep.ctx.progress.unfinished(),
    lastDrill: () => lastDrill,
    replicationLag: dep.ctx.replicationLag,
    maxReplicationLagMs,
    oncallRoute: dep.ctx.oncallRoute,
    now: new Date(),
  });
}

describe('status against moto', () => {
  let dep: TestDeployment;
  beforeEach(async () => {
    dep = await provisionDeployment();
  });
  afterEach(async () => {
    await dep.stop();
  });

  it('GIVEN a failover, one premium tenant moved back, automation off, a drill and an alarm WHEN status THEN text and JSON show each tier, tenant, alarm, the automation and the last switches', async () => {
    await failOverTo(dep, SECONDARY);
    await executeSwitch(
      {
        store: dep.ctx.store,
        trafficSwitch: dep.ctx.trafficSwitch,
        notifier: dep.ctx.notifier,
        clock: systemClock,
        owner: 't',
      },
      {
        switch: { targetRegion: PRIMARY, scope: { kind: 'tenants', tenantIds: ['acme'] } },
        caller: 'manual-failback',
        actor: 'alice',
        reason: 'acme first',
        trigger: 'test',
        leaseSeconds: 10,
      },
    );
    await dep.ctx.store.setAutomation(false, 'game day', 'bob', new Date());
    await markDrillStarted(dep.ctx.controlTable, { drillId: 'd-1', title: 'Region outage', startedBy: 'bob' });
    await dep.setRegionAlarm(SECONDARY, 'ALARM');

    const report = await statusOf(dep);

    expect(report.traffic.map((t) => [t.id, t.region])).toEqual([
      ['basic', SECONDARY],
      ['advanced', SECONDARY],
      ['acme', PRIMARY],
      ['globex', SECONDARY],
    ]);
    expect(report.warnings).toEqual([]);
    expect(report.regions[SECONDARY]?.status).toBe('unhealthy');
    expect(report.regions[PRIMARY]?.status).toBe('healthy');
    expect(report.automation).toMatchObject({ enabled: false, reason: 'game day', changedBy: 'bob' });
    expect(report.drill?.drillId).toBe('d-1');
    expect(report.lastSwitches.map((e) => [e.caller, e.outcome])).toEqual([
      ['manual-failback', 'switched'],
      ['automatic-failover', 'switched'],
    ]);

    const json = JSON.parse(JSON.stringify(report));
    expect(json.control).toMatchObject({ activeRegion: SECONDARY, epoch: 2, tenantOverrides: { acme: PRIMARY } });

    const text = formatStatus(report);
    const names = namesFor(dep.config);
    expect(text).toMatch(
      new RegExp(`basic\\s+${SECONDARY} \\(secondary\\)\\s+1 tenant\\(s\\) via ${names.sharedRoutingRecord}`),
    );
    expect(text).toMatch(new RegExp(`premium acme\\s+${PRIMARY} \\(primary\\)`));
    expect(text).toMatch(new RegExp(`${SECONDARY} \\(secondary\\)\\s+unhealthy for \\d+ s`));
    // Two things need a human: the secondary is unhealthy, and automation is off.
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.stringMatching(new RegExp(`^${SECONDARY} \\(secondary\\) is unhealthy: .+ in ALARM$`)),
      'automatic failover is DISABLED (game day): `automation enable --reason "<why>"` when that is over',
    ]);
    expect(report.budget).toMatchObject({ autoFailoversLeft: 0, maxAutoFailovers: dep.config.policy.maxAutoFailovers });
    expect(report.budget.cooldownRemainingSeconds).toBeGreaterThan(0);
    // acme's own cell: its move starts its cooldown; the Region's automatic failover moved it too and counts.
    expect(Object.keys(report.budget.tenants)).toEqual(['acme']);
    expect(report.budget.tenants.acme?.cooldownRemainingSeconds).toBeGreaterThan(0);
    expect(report.budget.tenants.acme?.autoFailoversLeft).toBe(Math.max(0, dep.config.policy.maxAutoFailovers - 1));
    expect(text).toMatch(/premium acme \(its own cell\): cooldown \S+ .*left/);
    expect(text).toContain('NEEDS A HUMAN: 2 problem(s)');
    expect(text).toContain('automation: DISABLED by bob');
    expect(text).toContain('drill: "Region outage" (d-1)');
    expect(text).toContain('manual-failback     switched  acme -> us-east-1  epoch 2  by alice: acme first');
  });

  it('GIVEN a record changed behind the control table WHEN status THEN it warns and shows what the control table says', async () => {
    const names = namesFor(dep.config);
    await provisionRecords(dep.clients.route53, dep.hostedZoneId, [
      { name: names.tenantRecord('globex'), value: names.premiumRegionalRecord('globex', SECONDARY), ttl: 5 },
    ]);

    const report = await statusOf(dep);

    expect(report.traffic.find((t) => t.id === 'globex')).toMatchObject({ region: SECONDARY, expectedRegion: PRIMARY });
    expect(report.warnings).toEqual([
      expect.stringContaining(
        `${names.tenantRecord('globex')} points at ${SECONDARY} but the control table says ${PRIMARY}`,
      ),
    ]);
    expect(formatStatus(report)).toContain('(control table: us-east-1)');
  });

  it.each([
    [
      'confirm',
      /^an unfinished failback to us-east-1 \(run (\S+), by alice, done: precheck, plan, confirm\): `runs show \1`; run `failback --to us-east-1` to continue it \(stale runs recheck and ask again\) or `runs abandon \1 --reason "<why>"`$/,
    ],
    [
      'plan',
      /^an unfinished failback to us-east-1 \(run .+, by alice, done: precheck, plan\): stopped before the switch was confirmed, nothing was changed; the next `failback` starts over$/,
    ],
  ] as const)(
    'GIVEN a failback interrupted after its %s step WHEN status THEN it warns and says what the next command does',
    async (killedAfter, warning) => {
      await failOverTo(dep, SECONDARY);
      await expect(
        runSwitchRunbook(
          runbookDeps(dep, {
            afterStep: (step) => {
              if (step === killedAfter) throw new Error('laptop closed');
            },
          }),
          failbackOptions(),
        ),
      ).rejects.toThrow('laptop closed');

      const report = await statusOf(dep);

      expect(report.warnings).toEqual([expect.stringMatching(warning)]);
    },
  );

  it('GIVEN nothing switched yet WHEN status as text THEN every tier is on the primary and there are no switches', async () => {
    const text = formatStatus(await statusOf(dep));
    expect(text).toMatch(new RegExp(`advanced\\s+${PRIMARY}`));
    expect(text).toContain('no switch yet');
    expect(text).toContain('last switches\n  none');
    expect(text).toContain('drill: none');
  });

  it('GIVEN ReplicationLatency datapoints in CloudWatch (7 s one way, 40 ms back) WHEN status THEN each direction shows its figure and age, and only the one above the threshold is a problem', async () => {
    const names = namesFor(dep.config);
    const publish = (from: string, to: string, ms: number) =>
      dep.clients.cloudwatch[from]!.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/DynamoDB',
          MetricData: [
            {
              MetricName: 'ReplicationLatency',
              Dimensions: [
                { Name: 'TableName', Value: names.dataTable },
                { Name: 'ReceivingRegion', Value: to },
              ],
              Timestamp: new Date(Date.now() - 60_000),
              Value: ms,
              Unit: 'Milliseconds',
            },
          ],
        }),
      );
    await publish(PRIMARY, SECONDARY, 7000);
    await publish(SECONDARY, PRIMARY, 40);

    const report = await statusOf(dep);

    expect(report.replication.samples.map((r) => [r.sourceRegion, r.receivingRegion, r.lagMs])).toEqual([
      [PRIMARY, SECONDARY, 7000],
      [SECONDARY, PRIMARY, 40],
    ]);
    expect(report.problems).toEqual([
      expect.stringMatching(/^replication us-east-1 -> us-west-2 is 7000 ms behind \(more than 5000 ms\): /),
    ]);
    const text = formatStatus(report);
    expect(text).toMatch(/us-east-1 -> us-west-2\s+7000 ms, measured \d+ s ago/);
    expect(text).toMatch(/us-west-2 -> us-east-1\s+40 ms, measured \d+ s ago/);
    // A higher threshold: the same figures need nobody.
    expect((await statusOf(dep, undefined, 10_000)).ok).toBe(true);
  });

  it('GIVEN no ReplicationLatency datapoint WHEN status THEN it says there is no figure and why, without calling it a problem', async () => {
    const report = await statusOf(dep);
    expect(report.ok).toBe(true);
    expect(report.replication.samples.map((r) => r.lagMs)).toEqual([undefined, undefined]);
    expect(formatStatus(report)).toContain('us-east-1 -> us-west-2    no figure: no ReplicationLatency datapoint');
  });

  it('GIVEN SNS and the replication figures cannot be read WHEN status THEN both say UNKNOWN with the reason and the rest of the screen is there', async () => {
    const refused = Object.assign(new Error('User is not authorized to perform: SNS:ListSubscriptionsByTopic'), {
      name: 'AuthorizationError',
    });
    const report = await gatherStatus({
      config: dep.config,
      route53: dep.clients.route53,
      hostedZoneId: dep.hostedZoneId,
      store: dep.ctx.store,
      health: dep.ctx.health,
      activeDrill: dep.ctx.activeDrill,
      unfinishedRuns: () => dep.ctx.progress.unfinished(),
      lastDrill: () => undefined,
      replicationLag: { read: () => Promise.reject(new Error('the local replication model answered 500')) },
      maxReplicationLagMs: 5000,
      oncallRoute: { read: () => Promise.reject(refused) },
      now: new Date(),
    });

    expect({ ok: report.ok, replication: report.replication, oncall: report.oncall }).toEqual({
      ok: true,
      replication: { maxLagMs: 5000, samples: [], error: 'the local replication model answered 500' },
      oncall: { error: 'User is not authorized to perform: SNS:ListSubscriptionsByTopic' },
    });
    const text = formatStatus(report);
    expect(text).toContain('  UNKNOWN: the local replication model answered 500');
    expect(text).toContain('on-call pages: UNKNOWN (User is not authorized to perform: SNS:ListSubscriptionsByTopic)');
    expect(text).toMatch(new RegExp(`basic\\s+${PRIMARY} \\(primary\\)`));
  });

  it('GIVEN the on-call topic WHEN its only subscription is removed THEN status says nobody is paged; before, it names where pages go', async () => {
    const before = await statusOf(dep);
    expect(before.oncall.route?.destinations).toEqual([{ protocol: 'email', endpoint: ONCALL_EMAIL, confirmed: true }]);
    expect(formatStatus(before)).toContain(`on-call pages: ${dep.topicArn} -> email ${ONCALL_EMAIL}`);
    const sns = dep.clients.sns[controlRegionOf(dep.config)]!;
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: dep.topicArn }));
    for (const sub of subs.Subscriptions ?? []) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn! }));
    }

    const after = await statusOf(dep);

    expect(after.ok).toBe(false);
    expect(after.problems).toEqual([
      `nobody is paged: the on-call topic ${dep.topicArn} has no confirmed subscription; subscribe on-call (and confirm it)`,
    ]);
    expect(formatStatus(after)).toContain('NOBODY (no subscription)');
  });
});

describe('status: a Region whose health is UNKNOWN is not OK', () => {
  let dep: TestDeployment;
  beforeEach(async () => {
    dep = await provisionDeployment();
  });
  afterEach(async () => {
    await dep.stop();
  });

  it('GIVEN the secondary health alarm in INSUFFICIENT_DATA WHEN status THEN ok is false and the problem names the Region, its role and why', async () => {
    const names = namesFor(dep.config);
    await dep.clients.cloudwatch[SECONDARY]!.send(
      new SetAlarmStateCommand({
        AlarmName: names.regionAlarm(SECONDARY),
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'no datapoints',
      }),
    );

    const report = await statusOf(dep);

    expect(report.regions[SECONDARY]?.status).toBe('unknown');
    expect({ ok: report.ok, problems: report.problems }).toEqual({
      ok: false,
      problems: [
        `${SECONDARY} (secondary) is unknown: health alarm "${names.regionAlarm(SECONDARY)}" is INSUFFICIENT_DATA`,
      ],
    });
    const text = formatStatus(report);
    expect(text).toContain('NEEDS A HUMAN: 1 problem(s)');
    expect(text).not.toContain('OK: nothing needs a human');
  });

  it('GIVEN the primary health alarm deleted WHEN status THEN the primary is unknown because the alarm does not exist, a problem', async () => {
    const names = namesFor(dep.config);
    await dep.clients.cloudwatch[PRIMARY]!.send(new DeleteAlarmsCommand({ AlarmNames: [names.regionAlarm(PRIMARY)] }));

    const report = await statusOf(dep);

    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      `${PRIMARY} (primary) is unknown: health alarm "${names.regionAlarm(PRIMARY)}" does not exist in ${PRIMARY}`,
    ]);
  });

  it('GIVEN CloudWatch of both Regions unreachable WHEN status THEN both Regions are unknown problems with the error, and the rest of the screen is there', async () => {
    const names = namesFor(dep.config);
    // Port 9 on loopback: nothing listens, so every CloudWatch call is refused.
    const unreachable = createAwsClients([PRIMARY, SECONDARY], { endpoint: 'http://127.0.0.1:9' });
    const health = new CloudWatchHealthReader({
      cloudwatch: unreachable.cloudwatch,
      regionAlarmName: names.regionAlarm,
      alarmPrefix: names.alarmPrefix,
      callTimeoutMs: 1000,
    });

    const report = await statusOf(dep, undefined, 5000, health);

    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(2);
    for (const [region, role] of [
      [PRIMARY, 'primary'],
      [SECONDARY, 'secondary'],
    ] as const) {
      expect(report.regions[region]).toMatchObject({ status: 'unknown', detail: expect.any(String) });
      expect(report.problems).toContain(`${region} (${role}) is unknown: ${report.regions[region]!.detail}`);
    }
    expect(formatStatus(report)).toMatch(new RegExp(`basic\\s+${PRIMARY} \\(primary\\)`));
  });

  it('GIVEN the secondary health alarm deleted WHEN status through the CLI, as text and as JSON THEN both exit 1 (needs a human) and the JSON says ok false with the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regionflip-status-'));
    const configFile = join(dir, 'regionflip.json');
    writeFileSync(configFile, JSON.stringify(dep.config));
    const saved = process.env.REGIONFLIP_AWS_ENDPOINT;
    process.env.REGIONFLIP_AWS_ENDPOINT = motoTarget().endpoint!;
    const names = namesFor(dep.config);
    const status = (...more: string[]) =>
      captureCli(['-c', configFile, 'status', '--target', 'aws', '--zone-id', dep.hostedZoneId, ...more]);
    try {
      expect((await status()).code).toBe(0);
      await dep.clients.cloudwatch[SECONDARY]!.send(
        new DeleteAlarmsCommand({ AlarmNames: [names.regionAlarm(SECONDARY)] }),
      );

      const text = await status();
      const json = await status('-o', 'json');

      expect(text.code).toBe(1);
      expect(text.out).toContain('NEEDS A HUMAN: 1 problem(s)');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.out)).toMatchObject({
        ok: false,
        problems: [expect.stringMatching(new RegExp(`^${SECONDARY} \\(secondary\\) is unknown: .+ does not exist`))],
      });
    } finally {
      if (saved === undefined) delete process.env.REGIONFLIP_AWS_ENDPOINT;
      else process.env.REGIONFLIP_AWS_ENDPOINT = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('drill marker', () => {
  let dep: TestDeployment;
  beforeAll(async () => {
    dep = await provisionDeployment();
  });
  afterAll(async () => {
    await dep.stop();
  });

  it("GIVEN drill A's marker WHEN drill B ends THEN A's marker stays; WHEN A ends THEN no drill is active", async () => {
    await markDrillStarted(dep.ctx.controlTable, { drillId: 'A', title: 'a', startedBy: 'x' });
    expect(await markDrillEnded(dep.ctx.controlTable, 'B')).toBe(false);
    expect((await activeDrill(dep.ctx.controlTable))?.drillId).toBe('A');
    expect(await markDrillEnded(dep.ctx.controlTable, 'A')).toBe(true);
    expect(await activeDrill(dep.ctx.controlTable)).toBeUndefined();
  });

  it('GIVEN a marker of a drill that crashed an hour ago WHEN asked after it expired THEN no drill is active', async () => {
    const started = new Date(Date.now() - 2 * 3600_000);
    await markDrillStarted(dep.ctx.controlTable, { drillId: 'C', title: 'c', startedBy: 'x' }, started, 3600);
    expect(await activeDrill(dep.ctx.controlTable)).toBeUndefined();
    expect((await activeDrill(dep.ctx.controlTable, new Date(started.getTime() + 60_000)))?.drillId).toBe('C');
  });

  it('GIVEN a failed last drill WHEN status THEN it names the drill, its verdict, its age and its journal; none run says so', async () => {
    const drill: LastDrill = {
      title: 'Region outage',
      file: 'chaos/drills/region-outage.yaml',
      startedAt: new Date(Date.now() - 3 * 60_000).toISOString(),
      verdict: 'failed',
      journal: 'reports/region-outage-x/journal.json',
    };
    const text = formatStatus(await statusOf(dep, drill));
    expect(text).toContain(
      'last drill: FAILED "Region outage" (chaos/drills/region-outage.yaml), started 3 min ago; journal reports/region-outage-x/journal.json',
    );
    expect(formatStatus(await statusOf(dep))).toContain('last drill: none run from this checkout');
  });

  it('GIVEN the same report WHEN formatted with and without colour THEN only the coloured one has escape codes and both say the same words', async () => {
    const report = await statusOf(dep);
    const plain = formatStatus(report);
    const coloured = formatStatus(report, { colour: true });
    expect(plain).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[');
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });
});
