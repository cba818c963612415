import { createServer, type Server, type Socket } from 'node:net';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { clientConfig } from '../../failover/aws/clients';
import { namesFor } from '../../failover/config/names';
import { CloudWatchHealthReader } from '../../failover/health/alarm-health';
import { motoTarget, uniqueName } from '../support/moto';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const PREFIX = 'regionflip-';
const regionAlarm = (region: string) => `${PREFIX}${region}-region-unhealthy`;
const UPDATED = new Date('2026-03-01T02:00:00Z');
const TRANSITIONED = new Date('2026-03-01T01:00:00Z');

function clients() {
  const east = new CloudWatchClient(clientConfig(EAST, {}));
  const west = new CloudWatchClient(clientConfig(WEST, {}));
  return { east, west, eastMock: mockClient(east), westMock: mockClient(west) };
}

function reader(cloudwatch: Record<string, CloudWatchClient>, callTimeoutMs?: number) {
  return new CloudWatchHealthReader({
    cloudwatch,
    regionAlarmName: regionAlarm,
    alarmPrefix: PREFIX,
    ...(callTimeoutMs !== undefined ? { callTimeoutMs } : {}),
  });
}

/** A Region whose health alarm is in `state`, with these other managed alarms (name → state). */
function regionAnswers(
  mock: ReturnType<typeof clients>['eastMock'],
  region: string,
  state: StateValue | undefined,
  others: Record<string, StateValue> = {},
) {
  const composite = state
    ? [
        {
          AlarmName: regionAlarm(region),
          StateValue: state,
          StateUpdatedTimestamp: UPDATED,
          StateTransitionedTimestamp: TRANSITIONED,
        },
      ]
    : [];
  mock.on(DescribeAlarmsCommand, { AlarmNames: [regionAlarm(region)] }).resolves({ CompositeAlarms: composite });
  const inState = Object.entries(others).map(([AlarmName, StateValue]) => ({ AlarmName, StateValue }));
  mock
    .on(DescribeAlarmsCommand, { AlarmNamePrefix: `${PREFIX}${region}-` })
    .resolves({ CompositeAlarms: state === 'ALARM' ? composite : [], MetricAlarms: inState });
}

describe('CloudWatchHealthReader (aws-sdk-client-mock)', () => {
  it('GIVEN the health alarm OK WHEN reading THEN the Region is healthy since its last state transition', async () => {
    const { east, west, eastMock, westMock } = clients();
    regionAnswers(eastMock, EAST, 'OK');
    regionAnswers(westMock, WEST, 'OK');

    const health = await reader({ [EAST]: east, [WEST]: west }).read([EAST, WEST]);

    expect(health[EAST]).toEqual({ region: EAST, status: 'healthy', since: TRANSITIONED, alarmsInAlarm: [] });
    expect(health[WEST]?.status).toBe('healthy');
  });

  it('GIVEN the health alarm in ALARM WHEN reading THEN the Region is unhealthy with its alarms in ALARM', async () => {
    const { east, eastMock } = clients();
    regionAnswers(eastMock, EAST, 'ALARM', {
      [`${PREFIX}${EAST}-p99-latency`]: 'ALARM',
      [`${PREFIX}${EAST}-alb-5xx-rate`]: 'ALARM',
      [`${PREFIX}${EAST}-request-surge`]: 'OK',
    });

    const health = await reader({ [EAST]: east }).read([EAST]);

    expect(health[EAST]).toEqual({
      region: EAST,
      status: 'unhealthy',
      since: TRANSITIONED,
      alarmsInAlarm: [`${PREFIX}${EAST}-alb-5xx-rate`, `${PREFIX}${EAST}-p99-latency`, regionAlarm(EAST)],
    });
  });

  it('GIVEN the health alarm INSUFFICIENT_DATA WHEN reading THEN the Region is unknown, saying why', async () => {
    const { east, eastMock } = clients();
    regionAnswers(eastMock, EAST, 'INSUFFICIENT_DATA');

    const health = await reader({ [EAST]: east }).read([EAST]);

    expect(health[EAST]).toMatchObject({ status: 'unknown', since: TRANSITIONED });
    expect(health[EAST]?.detail).toBe(`health alarm "${regionAlarm(EAST)}" is INSUFFICIENT_DATA`);
  });

  it('GIVEN no health alarm WHEN reading THEN the Region is unknown, naming the missing alarm', async () => {
    const { east, eastMock } = clients();
    regionAnswers(eastMock, EAST, undefined, { [`${PREFIX}${EAST}-alb-5xx-rate`]: 'ALARM' });

    const health = await reader({ [EAST]: east }).read([EAST]);

    expect(health[EAST]).toEqual({
      region: EAST,
      status: 'unknown',
      alarmsInAlarm: [`${PREFIX}${EAST}-alb-5xx-rate`],
      detail: `health alarm "${regionAlarm(EAST)}" does not exist in ${EAST}`,
    });
  });

  describe('an advanced tenant healthy-hosts alarm (its tenant stack, outside the composite)', () => {
    const names = namesFor({ app: PREFIX.slice(0, -1), dns: { zoneName: 'tenants.example.com', ttlSeconds: 60 } });
    const advanced = names.advancedHealthyAlarm(EAST, 'initech');
    const withSignals = (east: CloudWatchClient) =>
      new CloudWatchHealthReader({
        cloudwatch: { [EAST]: east },
        regionAlarmName: regionAlarm,
        alarmPrefix: PREFIX,
        isRegionSignal: names.isAdvancedHealthyAlarm,
      });

    it.each(['OK', 'INSUFFICIENT_DATA'] as const)(
      'GIVEN the composite %s and the advanced alarm in ALARM WHEN reading THEN the Region is unhealthy, naming it',
      async (compositeState) => {
        const { east, eastMock } = clients();
        regionAnswers(eastMock, EAST, compositeState, { [advanced]: 'ALARM' });

        const health = await withSignals(east).read([EAST]);

        expect(health[EAST]).toEqual({ region: EAST, status: 'unhealthy', alarmsInAlarm: [advanced] });
      },
    );

    it('GIVEN the composite OK and only monitor or tenant alarms in ALARM WHEN reading THEN the Region stays healthy', async () => {
      const { east, eastMock } = clients();
      regionAnswers(eastMock, EAST, 'OK', {
        [names.monitorAlarm(EAST, 'request-volume')]: 'ALARM',
        [names.tenantAlarm(EAST, 'acme')]: 'ALARM',
        [advanced]: 'OK',
      });

      const health = await withSignals(east).read([EAST]);

      expect(health[EAST]?.status).toBe('healthy');
    });

    it('GIVEN the advanced alarm named for the other Region WHEN reading this Region THEN it does not count', () => {
      expect(names.isAdvancedHealthyAlarm(WEST, advanced)).toBe(false);
      expect(names.isAdvancedHealthyAlarm(EAST, advanced)).toBe(true);
      expect(names.isAdvancedHealthyAlarm(EAST, names.componentAlarm(EAST, 'healthy-hosts'))).toBe(false);
    });
  });

  it('GIVEN a metric health alarm without a transition time WHEN reading THEN since is its update time', async () => {
    const { east, eastMock } = clients();
    eastMock
      .on(DescribeAlarmsCommand, { AlarmNames: [regionAlarm(EAST)] })
      .resolves({ MetricAlarms: [{ AlarmName: regionAlarm(EAST), StateValue: 'OK', StateUpdatedTimestamp: UPDATED }] });
    eastMock.on(DescribeAlarmsCommand, { AlarmNamePrefix: `${PREFIX}${EAST}-` }).resolves({});

    const health = await reader({ [EAST]: east }).read([EAST]);

    expect(health[EAST]).toEqual({ region: EAST, status: 'healthy', since: UPDATED, alarmsInAlarm: [] });
  });

  it('GIVEN any read WHEN it calls CloudWatch THEN it asks for composite and metric alarms, ALARM only for the list', async () => {
    const { east, eastMock } = clients();
    regionAnswers(eastMock, EAST, 'OK');

    await reader({ [EAST]: east }).read([EAST]);

    const inputs = eastMock.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual(
      expect.arrayContaining([
        { AlarmNames: [regionAlarm(EAST)], AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] },
        { AlarmNamePrefix: `${PREFIX}${EAST}-`, StateValue: 'ALARM', AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] },
      ]),
    );
  });

  it('GIVEN one Region whose API fails WHEN reading THEN it is unknown naming the error and the other is read', async () => {
    const { east, west, eastMock, westMock } = clients();
    const outage = Object.assign(new Error('We encountered an internal error. Please try again.'), {
      name: 'InternalServiceFault',
    });
    eastMock.on(DescribeAlarmsCommand).rejects(outage);
    regionAnswers(westMock, WEST, 'OK');

    const health = await reader({ [EAST]: east, [WEST]: west }).read([EAST, WEST]);

    expect(health[EAST]).toMatchObject({ region: EAST, status: 'unknown', alarmsInAlarm: [] });
    expect(health[EAST]?.detail).toContain(`DescribeAlarms in ${EAST} failed: InternalServiceFault`);
    expect(health[WEST]?.status).toBe('healthy');
  });

  it('GIVEN alarms over several pages WHEN reading THEN every page is read', async () => {
    const { east, eastMock } = clients();
    eastMock
      .on(DescribeAlarmsCommand, { AlarmNames: [regionAlarm(EAST)] })
      .resolves({ CompositeAlarms: [{ AlarmName: regionAlarm(EAST), StateValue: 'ALARM' }] });
    eastMock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: `${PREFIX}${EAST}-` })
      .resolvesOnce({
        CompositeAlarms: [{ AlarmName: regionAlarm(EAST), StateValue: 'ALARM' }],
        MetricAlarms: [{ AlarmName: `${PREFIX}${EAST}-a`, StateValue: 'ALARM' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: `${PREFIX}${EAST}-b`, StateValue: 'ALARM' }], NextToken: 'page-3' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: `${PREFIX}${EAST}-c`, StateValue: 'ALARM' }] });

    const health = await reader({ [EAST]: east }).read([EAST]);

    expect(health[EAST]?.alarmsInAlarm).toEqual([
      `${PREFIX}${EAST}-a`,
      `${PREFIX}${EAST}-b`,
      `${PREFIX}${EAST}-c`,
      regionAlarm(EAST),
    ]);
    const tokens = eastMock
      .commandCalls(DescribeAlarmsCommand, { AlarmNamePrefix: `${PREFIX}${EAST}-` })
      .map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 'page-2', 'page-3']);
  });

  it('GIVEN an endpoint repeating its NextToken WHEN reading THEN the Region is unknown instead of looping', async () => {
    const { east, eastMock } = clients();
    eastMock
      .on(DescribeAlarmsCommand, { AlarmNames: [regionAlarm(EAST)] })
      .resolves({ CompositeAlarms: [{ AlarmName: regionAlarm(EAST), StateValue: 'OK' }] });
    eastMock.on(DescribeAlarmsCommand, { AlarmNamePrefix: `${PREFIX}${EAST}-` }).resolves({ NextToken: 'again' });

    const health = await reader({ [EAST]: east }).read([EAST]);

    expect(health[EAST]?.status).toBe('unknown');
    expect(health[EAST]?.detail).toContain('same NextToken twice');
  });

  it('GIVEN a Region without a client WHEN reading THEN it is unknown, listing the Regions that have one', async () => {
    const { east, eastMock } = clients();
    regionAnswers(eastMock, EAST, 'OK');

    const health = await reader({ [EAST]: east }).read([EAST, WEST]);

    expect(health[WEST]).toMatchObject({ status: 'unknown' });
    expect(health[WEST]?.detail).toBe(`no CloudWatch client for Region ${WEST} (clients exist for: ${EAST})`);
    expect(health[EAST]?.status).toBe('healthy');
  });

  it('GIVEN a non-positive callTimeoutMs WHEN constructing THEN it throws naming the value', () => {
    expect(() => reader({}, 0)).toThrow('callTimeoutMs=0 is invalid: give a positive number of milliseconds');
  });
});

describe('CloudWatchHealthReader.readTenant (a premium tenant silo, the cell scope)', () => {
  const tenantAlarm = (region: string, tenantId: string) => `${PREFIX}${region}-tenant-${tenantId}-unhealthy`;
  function siloAnswers(mock: ReturnType<typeof clients>['eastMock'], region: string, state: StateValue | undefined) {
    const name = tenantAlarm(region, 'acme');
    const alarms = state ? [{ AlarmName: name, StateValue: state, StateTransitionedTimestamp: TRANSITIONED }] : [];
    mock.on(DescribeAlarmsCommand, { AlarmNames: [name] }).resolves({ CompositeAlarms: alarms });
    mock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: name })
      .resolves({ CompositeAlarms: state === 'ALARM' ? alarms : [] });
  }

  it("GIVEN acme's composite in ALARM in us-east-1 and absent in us-west-2 WHEN reading acme THEN us-east-1 is unhealthy and us-west-2 unknown, naming the missing alarm; the Region alarms are not read", async () => {
    const { east, west, eastMock, westMock } = clients();
    siloAnswers(eastMock, EAST, 'ALARM');
    siloAnswers(westMock, WEST, undefined);
    const cw = new CloudWatchHealthReader({
      cloudwatch: { [EAST]: east, [WEST]: west },
      regionAlarmName: regionAlarm,
      tenantAlarmName: tenantAlarm,
      alarmPrefix: PREFIX,
    });

    const silos = await cw.readTenant('acme', [EAST, WEST]);

    expect(silos).toEqual({
      [EAST]: { region: EAST, status: 'unhealthy', since: TRANSITIONED, alarmsInAlarm: [tenantAlarm(EAST, 'acme')] },
      [WEST]: {
        region: WEST,
        status: 'unknown',
        alarmsInAlarm: [],
        detail: `health alarm "${tenantAlarm(WEST, 'acme')}" does not exist in ${WEST}`,
      },
    });
    const asked = [...eastMock.calls(), ...westMock.calls()].map((c) => JSON.stringify(c.args[0].input));
    expect(asked.some((i) => i.includes('region-unhealthy'))).toBe(false);
  });

  it('GIVEN a reader built without tenant alarm names WHEN reading a tenant THEN every silo is unknown, saying why', async () => {
    const { east } = clients();
    const silos = await reader({ [EAST]: east }).readTenant('acme', [EAST]);
    expect(silos[EAST]).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('without tenant alarm names'),
    });
  });
});

describe('CloudWatchHealthReader.readTenantsIn (the target silos of a Region failover)', () => {
  const tenantAlarm = (region: string, tenantId: string) => `${PREFIX}${region}-tenant-${tenantId}-unhealthy`;
  const ids = Array.from({ length: 150 }, (_, i) => `p${String(i).padStart(4, '0')}`);

  it('GIVEN 150 premium tenants, one silo in ALARM, one INSUFFICIENT_DATA and one missing WHEN reading them in us-west-2 THEN two calls of at most 100 names each, and each tenant reads its own state', async () => {
    const { west, westMock } = clients();
    westMock.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({
      CompositeAlarms: (input.AlarmNames ?? [])
        .filter((n) => n !== tenantAlarm(WEST, 'p0002'))
        .map((n) => ({
          AlarmName: n,
          StateValue:
            n === tenantAlarm(WEST, 'p0007') ? 'ALARM' : n === tenantAlarm(WEST, 'p0120') ? 'INSUFFICIENT_DATA' : 'OK',
          StateTransitionedTimestamp: TRANSITIONED,
        })),
    }));
    const cw = new CloudWatchHealthReader({
      cloudwatch: { [WEST]: west },
      regionAlarmName: regionAlarm,
      tenantAlarmName: tenantAlarm,
      alarmPrefix: PREFIX,
    });

    const silos = await cw.readTenantsIn(ids, WEST);

    const asked = westMock.calls().map((c) => (c.args[0].input as { AlarmNames?: string[] }).AlarmNames?.length);
    expect(asked).toEqual([100, 50]);
    expect({
      p0007: silos.p0007,
      p0002: silos.p0002?.status,
      p0120: silos.p0120?.status,
      p0001: silos.p0001?.status,
      count: Object.keys(silos).length,
    }).toEqual({
      p0007: { region: WEST, status: 'unhealthy', since: TRANSITIONED, alarmsInAlarm: [tenantAlarm(WEST, 'p0007')] },
      p0002: 'unknown',
      p0120: 'unknown',
      p0001: 'healthy',
      count: 150,
    });
  });

  it('GIVEN us-west-2 CloudWatch failing WHEN reading silos there THEN every tenant reads unknown with the error, and nothing throws', async () => {
    const { west, westMock } = clients();
    westMock.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const cw = new CloudWatchHealthReader({
      cloudwatch: { [WEST]: west },
      regionAlarmName: regionAlarm,
      tenantAlarmName: tenantAlarm,
      alarmPrefix: PREFIX,
    });

    const silos = await cw.readTenantsIn(['acme', 'globex'], WEST);

    expect(Object.values(silos).map((h) => [h.status, h.detail])).toEqual([
      ['unknown', 'CloudWatch DescribeAlarms in us-west-2 failed: Throttling: Rate exceeded'],
      ['unknown', 'CloudWatch DescribeAlarms in us-west-2 failed: Throttling: Rate exceeded'],
    ]);
  });
});

describe('CloudWatchHealthReader (a Region that never answers)', () => {
  let blackHole: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: the way a Region's endpoint looks during an outage.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  });

  it('GIVEN a silent Region endpoint WHEN reading THEN it is unknown after the call timeout, the other is read', async () => {
    const address = blackHole.address();
    if (typeof address !== 'object' || !address) throw new Error('black hole server has no address');
    const east = new CloudWatchClient(clientConfig(EAST, { endpoint: `http://127.0.0.1:${address.port}` }, 1));
    const west = new CloudWatchClient(clientConfig(WEST, {}));
    regionAnswers(mockClient(west), WEST, 'OK');

    const health = await reader({ [EAST]: east, [WEST]: west }, 200).read([EAST, WEST]);

    expect(health[EAST]).toMatchObject({ status: 'unknown' });
    expect(health[EAST]?.detail).toContain('no answer within 200 ms');
    expect(health[WEST]?.status).toBe('healthy');
    east.destroy();
  });
});

describe('CloudWatchHealthReader (moto)', () => {
  // moto 5.2.5 has no PutCompositeAlarm (it answers 500), so the Region's health alarm is a metric alarm here; the
  // reader asks for both types by name, so on AWS the composite alarm is read the same way.
  const app = uniqueName('hr');
  const names = namesFor({ app, dns: { zoneName: 'tenants.example.com', ttlSeconds: 60 } });
  const cloudwatch: Record<string, CloudWatchClient> = {
    [EAST]: new CloudWatchClient(clientConfig(EAST, motoTarget())),
    [WEST]: new CloudWatchClient(clientConfig(WEST, motoTarget())),
  };
  const created: Record<string, string[]> = { [EAST]: [], [WEST]: [] };

  async function putAlarm(region: string, alarmName: string): Promise<void> {
    const input: PutMetricAlarmCommandInput = {
      AlarmName: alarmName,
      Namespace: 'RegionFlip/Test',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    };
    await cloudwatch[region]!.send(new PutMetricAlarmCommand(input));
    created[region]!.push(alarmName);
  }

  afterAll(async () => {
    await Promise.all(
      Object.entries(created).map(([region, alarmNames]) =>
        cloudwatch[region]!.send(new DeleteAlarmsCommand({ AlarmNames: alarmNames })),
      ),
    );
    for (const client of Object.values(cloudwatch)) client.destroy();
  });

  it('GIVEN alarms in both Regions and us-east-1 in ALARM WHEN reading THEN each Region reads from its own', async () => {
    for (const region of [EAST, WEST]) {
      await putAlarm(region, names.regionAlarm(region));
      await putAlarm(region, names.componentAlarm(region, 'alb-5xx-rate'));
      await putAlarm(region, names.componentAlarm(region, 'p99-latency'));
    }
    const before = new Date(Date.now() - 1000);
    for (const alarmName of [names.regionAlarm(EAST), names.componentAlarm(EAST, 'alb-5xx-rate')]) {
      await cloudwatch[EAST]!.send(
        new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'drill: injected fault' }),
      );
    }
    // The same alarm name in us-west-2 stays OK: a reader mixing up Regions would see it in ALARM.
    await cloudwatch[WEST]!.send(
      new SetAlarmStateCommand({
        AlarmName: names.componentAlarm(WEST, 'p99-latency'),
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'no data',
      }),
    );

    const health = await new CloudWatchHealthReader({
      cloudwatch,
      regionAlarmName: names.regionAlarm,
      alarmPrefix: names.alarmPrefix,
    }).read([EAST, WEST]);

    expect(health[EAST]).toMatchObject({
      region: EAST,
      status: 'unhealthy',
      alarmsInAlarm: [names.componentAlarm(EAST, 'alb-5xx-rate'), names.regionAlarm(EAST)],
    });
    expect(health[EAST]?.since?.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(health[WEST]).toMatchObject({ region: WEST, status: 'healthy', alarmsInAlarm: [] });
    expect(health[WEST]?.since).toBeInstanceOf(Date);
  });
});

describe('CloudWatchHealthReader: the peer probe alarm (detection from outside)', () => {
  const probeAlarm = (region: string) => `${PREFIX}${region}-probe-unavailable`;
  const peerOf = (region: string) => (region === EAST ? WEST : EAST);
  const probeReader = (cloudwatch: Record<string, CloudWatchClient>) =>
    new CloudWatchHealthReader({
      cloudwatch,
      regionAlarmName: regionAlarm,
      alarmPrefix: PREFIX,
      callTimeoutMs: 500,
      probe: { alarmName: probeAlarm, peerOf },
    });
  const probeAnswers = (mock: ReturnType<typeof clients>['eastMock'], about: string, state: StateValue) =>
    mock.on(DescribeAlarmsCommand, { AlarmNames: [probeAlarm(about)] }).resolves({
      MetricAlarms: [{ AlarmName: probeAlarm(about), StateValue: state, StateTransitionedTimestamp: UPDATED }],
    });
  const endpointDown = Object.assign(new Error('connect ECONNREFUSED'), { name: 'ECONNREFUSED' });

  it('GIVEN us-east-1 down (its CloudWatch refuses) and the probe of it in ALARM WHEN reading THEN us-east-1 is unhealthy and us-west-2, OK on its own alarms, is healthy though its probe alarm (in us-east-1) cannot be read', async () => {
    const { east, west, eastMock, westMock } = clients();
    eastMock.on(DescribeAlarmsCommand).rejects(endpointDown);
    regionAnswers(westMock, WEST, 'OK');
    probeAnswers(westMock, EAST, 'ALARM');

    const health = await probeReader({ [EAST]: east, [WEST]: west }).read([EAST, WEST]);

    expect(health[EAST]).toMatchObject({ status: 'unhealthy', alarmsInAlarm: [probeAlarm(EAST)] });
    // Without this rule the failover target reads "unknown" and a whole-Region outage never fails over.
    expect(health[WEST]).toMatchObject({ status: 'healthy', since: TRANSITIONED });
    expect(health[WEST]?.detail).toContain(`no outside-in view: its probe alarm "${probeAlarm(WEST)}" cannot be read`);
  });

  it('GIVEN the probe alarm about a Region readable but INSUFFICIENT_DATA WHEN reading THEN that Region is unknown: the prober is up and cannot vouch for it', async () => {
    const { east, west, eastMock, westMock } = clients();
    regionAnswers(eastMock, EAST, 'OK');
    regionAnswers(westMock, WEST, 'OK');
    probeAnswers(eastMock, WEST, 'INSUFFICIENT_DATA');
    probeAnswers(westMock, EAST, 'OK');

    const health = await probeReader({ [EAST]: east, [WEST]: west }).read([EAST, WEST]);

    expect(health[WEST]?.status).toBe('unknown');
    expect(health[EAST]?.status).toBe('healthy');
  });

  it('GIVEN a Region OK on its own alarms but its peer probe in ALARM WHEN reading THEN it is unhealthy (dark from outside)', async () => {
    const { east, west, eastMock, westMock } = clients();
    regionAnswers(eastMock, EAST, 'OK');
    regionAnswers(westMock, WEST, 'OK');
    probeAnswers(westMock, EAST, 'ALARM');
    probeAnswers(eastMock, WEST, 'OK');

    const health = await probeReader({ [EAST]: east, [WEST]: west }).read([EAST, WEST]);

    expect(health[EAST]).toMatchObject({ status: 'unhealthy', alarmsInAlarm: [probeAlarm(EAST)] });
    expect(health[WEST]?.status).toBe('healthy');
  });
});
