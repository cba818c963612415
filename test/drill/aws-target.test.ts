import { AlarmType, CloudWatchClient, DescribeAlarmHistoryCommand, HistoryItemType } from '@aws-sdk/client-cloudwatch';
import {
  FisClient,
  GetExperimentCommand,
  ListExperimentsCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import { mockClient } from 'aws-sdk-client-mock';
import { awsDriver, parseTenantTokens } from '../../chaos/drill/aws/aws-driver';
import { confirmProductionDrill, PRODUCTION_FLAG } from '../../chaos/drill/aws/confirm';
import { FisFaults } from '../../chaos/drill/aws/fis-faults';
import { createAwsClients } from '../../failover/aws/clients';
import { loadConfig } from '../../failover/config/load';
import { FIS_LATENCY_TAG } from '../../infra/fis/tags';
import { mockFis, templateTags } from './fis-mock';

const fisMock = mockFis();
const noSleep = async () => {};
const config = loadConfig();
const tags = (fault: string, region: string) => templateTags('regionflip', fault, region);

beforeEach(() => {
  fisMock.reset();
  // No experiment of any drill is active unless a test says so.
  fisMock.on(ListExperimentsCommand).resolves({ experiments: [] });
});

/** A mock of one Region's CloudWatch client instance (the driver's clients are created once, per Region). */
function cwMock(clients: ReturnType<typeof createAwsClients>, region: string) {
  const client = clients.cloudwatch[region];
  if (!(client instanceof CloudWatchClient)) throw new Error(`no CloudWatch client for ${region}`);
  return mockClient(client);
}

function faults() {
  return new FisFaults(
    { 'us-east-1': new FisClient({ region: 'us-east-1' }), 'us-west-2': new FisClient({ region: 'us-west-2' }) },
    {
      sleep: noSleep,
      timeoutMs: 1000,
    },
  );
}

describe('FIS faults', () => {
  it('GIVEN templates on two pages WHEN a fault is looked up THEN the one tagged for the app, fault and Region is found', async () => {
    fisMock
      .on(ListExperimentTemplatesCommand, { nextToken: undefined })
      .resolves({ experimentTemplates: [{ id: 'EXT1', tags: tags('region-outage', 'us-west-2') }], nextToken: 'p2' })
      .on(ListExperimentTemplatesCommand, { nextToken: 'p2' })
      .resolves({ experimentTemplates: [{ id: 'EXT2', tags: tags('region-outage', 'us-east-1') }] });
    const found = await faults().findTemplate({ app: 'regionflip', fault: 'region-outage', region: 'us-east-1' });
    expect(found?.id).toBe('EXT2');
  });

  it('GIVEN an experiment that starts WHEN started THEN it waits until FIS says running and tags it with the drill', async () => {
    fisMock.on(StartExperimentCommand).resolves({ experiment: { id: 'EXP1' } });
    fisMock
      .on(GetExperimentCommand)
      .resolvesOnce({ experiment: { state: { status: 'initiating' } } })
      .resolves({ experiment: { state: { status: 'running' } } });
    await expect(faults().start('us-east-1', 'EXT2', 'token-1', 'run-1')).resolves.toBe('EXP1');
    expect(fisMock.commandCalls(StartExperimentCommand)[0]?.args[0].input).toEqual({
      experimentTemplateId: 'EXT2',
      clientToken: 'token-1',
      tags: { 'regionflip:drill': 'run-1' },
    });
  });

  it("GIVEN an experiment FIS fails (a stop condition fired) WHEN started THEN the error carries FIS's reason", async () => {
    fisMock.on(StartExperimentCommand).resolves({ experiment: { id: 'EXP1' } });
    fisMock
      .on(GetExperimentCommand)
      .resolves({ experiment: { state: { status: 'failed', reason: 'Stop condition alarm fired' } } });
    await expect(faults().start('us-east-1', 'EXT2', 't', 'r')).rejects.toThrow(
      /ended as "failed": Stop condition alarm fired/,
    );
  });

  it('GIVEN a running experiment WHEN stopped THEN StopExperiment is sent and it waits until stopped; an ended one is left alone', async () => {
    fisMock
      .on(GetExperimentCommand)
      .resolvesOnce({ experiment: { state: { status: 'running' } } })
      .resolvesOnce({ experiment: { state: { status: 'stopping' } } })
      .resolves({ experiment: { state: { status: 'stopped' } } });
    fisMock.on(StopExperimentCommand).resolves({});
    await faults().stop('us-east-1', 'EXP1');
    expect(fisMock.commandCalls(StopExperimentCommand)).toHaveLength(1);
    await faults().stop('us-east-1', 'EXP1');
    expect(fisMock.commandCalls(StopExperimentCommand)).toHaveLength(1);
  });
});

describe('AWS driver', () => {
  const clients = createAwsClients(['us-east-1', 'us-west-2'], {});
  const fis = {
    'us-east-1': new FisClient({ region: 'us-east-1' }),
    'us-west-2': new FisClient({ region: 'us-west-2' }),
  };
  const driver = () =>
    awsDriver({ config, clients, fis, hostedZoneId: 'Z1', runId: 'run', fisOptions: { sleep: noSleep } });
  const templates = (...list: { id: string; fault: string; region: string; extra?: Record<string, string> }[]) =>
    fisMock.on(ListExperimentTemplatesCommand).resolves({
      experimentTemplates: list.map((t) => ({ id: t.id, tags: { ...tags(t.fault, t.region), ...t.extra } })),
    });
  const startedTemplate = () =>
    (fisMock.commandCalls(StartExperimentCommand)[0]?.args[0].input as { experimentTemplateId?: string })
      ?.experimentTemplateId;

  it.each([
    ['region outage', (d: ReturnType<typeof driver>) => d.takeRegionDown('us-east-1'), 'EXT-outage'],
    [
      'service outage (brown-out)',
      (d: ReturnType<typeof driver>) => d.setServiceFault('us-east-1', { kind: 'outage' }),
      'EXT-brown',
    ],
    ['replication pause', (d: ReturnType<typeof driver>) => d.pauseReplication(), 'EXT-repl'],
  ])(
    'GIVEN the deployed templates WHEN a %s is injected and lifted THEN FIS starts its own template and stops it, reporting the state',
    async (_, inject, templateId) => {
      templates(
        { id: 'EXT-outage', fault: 'region-outage', region: 'us-east-1' },
        { id: 'EXT-brown', fault: 'service-outage', region: 'us-east-1' },
        { id: 'EXT-repl', fault: 'replication-pause', region: 'us-east-1' },
        { id: 'EXT-other', fault: 'region-outage', region: 'us-west-2' },
      );
      fisMock.on(StartExperimentCommand).resolves({ experiment: { id: 'EXP9' } });
      fisMock
        .on(GetExperimentCommand)
        .resolvesOnce({ experiment: { state: { status: 'running' } } })
        .resolvesOnce({ experiment: { state: { status: 'running' } } })
        .resolves({ experiment: { state: { status: 'stopped' } } });
      fisMock.on(StopExperimentCommand).resolves({});
      const d = driver();
      const experimentId = await inject(d);
      expect({ experimentId, template: startedTemplate() }).toEqual({ experimentId: 'EXP9', template: templateId });
      const lifted = await d.lift({
        kind: 'fault',
        fault: { kind: 'region-outage', region: 'us-east-1' },
        experimentId,
      });
      expect(fisMock.commandCalls(StopExperimentCommand)[0]?.args[0].input).toEqual({ id: 'EXP9' });
      expect(lifted).toBe('FIS experiment EXP9 in us-east-1: stopped');
      await expect(
        d.remainingFaults([{ kind: 'fault', fault: { kind: 'region-outage', region: 'us-east-1' }, experimentId }]),
      ).resolves.toEqual([]);
    },
  );

  it('GIVEN an experiment still running after a crash WHEN the remaining faults are checked THEN it is named with its state', async () => {
    fisMock.on(GetExperimentCommand).resolves({ experiment: { state: { status: 'running' } } });
    await expect(
      driver().remainingFaults([
        { kind: 'fault', fault: { kind: 'replication-pause' }, experimentId: 'EXP4' },
        { kind: 'fault', fault: { kind: 'replication-pause' } },
      ]),
    ).resolves.toEqual(['FIS experiment EXP4 is running']);
  });

  describe('crash recovery by tag (the journal lacks the experiment id)', () => {
    const running = (id: string, drill: string, templateId = 'EXT-outage', status = 'running') => ({
      id,
      experimentTemplateId: templateId,
      state: { status },
      tags: { 'regionflip:drill': drill },
    });
    const crashed = { kind: 'fault' as const, fault: { kind: 'region-outage' as const, region: 'us-east-1' } };

    beforeEach(() => {
      templates(
        { id: 'EXT-outage', fault: 'region-outage', region: 'us-east-1' },
        { id: 'EXT-repl', fault: 'replication-pause', region: 'us-east-1' },
      );
      fisMock
        .on(ListExperimentsCommand, { nextToken: undefined })
        .resolves({
          experiments: [
            running('EXP-other-drill', 'another-run'),
            running('EXP-ours-done', 'run', 'EXT-outage', 'completed'),
            running('EXP-ours-repl', 'run', 'EXT-repl'),
          ],
          nextToken: 'p2',
        })
        .on(ListExperimentsCommand, { nextToken: 'p2' })
        .resolves({ experiments: [running('EXP-ours', 'run')] });
      fisMock.on(StopExperimentCommand).resolves({});
      fisMock
        .on(GetExperimentCommand)
        .resolvesOnce({ experiment: { state: { status: 'running' } } })
        .resolves({ experiment: { state: { status: 'stopped' } } });
    });

    it("GIVEN a running experiment tagged with the drill id WHEN its fault is lifted THEN it is stopped; another drill's and another fault's are not", async () => {
      const detail = await driver().lift(crashed);
      expect(fisMock.commandCalls(StopExperimentCommand).map((c) => c.args[0].input)).toEqual([{ id: 'EXP-ours' }]);
      expect(detail).toBe('FIS experiment(s) of drill run found by tag in us-east-1, stopped: EXP-ours (stopped)');
    });

    it('GIVEN no active experiment of this drill WHEN its fault is lifted THEN nothing is stopped and the detail says so', async () => {
      fisMock.on(ListExperimentsCommand).resolves({ experiments: [running('EXP-other-drill', 'another-run')] });
      await expect(driver().lift(crashed)).resolves.toBe(
        'nothing to lift for region-outage: no FIS experiment of drill run is active in us-east-1',
      );
      expect(fisMock.commandCalls(StopExperimentCommand)).toHaveLength(0);
    });

    it('GIVEN experiments of this drill still active WHEN the remaining faults are verified THEN each is named, even without an id in the journal', async () => {
      fisMock.on(ListExperimentsCommand).resolves({
        experiments: [running('EXP-ours', 'run'), running('EXP-other-drill', 'another-run')],
      });
      await expect(driver().remainingFaults([crashed])).resolves.toEqual(['FIS experiment EXP-ours is running']);
    });
  });

  it('GIVEN no template for the fault WHEN it is injected THEN it refuses, naming the tags and the FIS action to deploy, and starts nothing', async () => {
    templates({ id: 'EXT-other', fault: 'region-outage', region: 'us-west-2' });
    await expect(driver().setServiceFault('us-east-1', { kind: 'outage' })).rejects.toThrow(
      'no FIS experiment template tagged regionflip:app=regionflip, regionflip:fault=service-outage, regionflip:region=us-east-1: ' +
        'deploy the Region stack of the CDK app (infra/fis, FIS action aws:network:disrupt-connectivity on the app subnets)',
    );
    await expect(driver().pauseReplication()).rejects.toThrow(/aws:dynamodb:global-table-pause-replication/);
    expect(fisMock.commandCalls(StartExperimentCommand)).toHaveLength(0);
  });

  it('GIVEN an error-rate fault WHEN injected on AWS THEN it refuses (no FIS action, no public fault switch) and says to run it locally', async () => {
    templates({ id: 'EXT-brown', fault: 'service-outage', region: 'us-east-1' });
    await expect(driver().setServiceFault('us-east-1', { kind: 'error-rate', percent: 50 })).rejects.toThrow(
      /no FIS action .*\(--target local\)/,
    );
    expect(fisMock.commandCalls(StartExperimentCommand)).toHaveLength(0);
  });

  it("GIVEN the latency template's fixed delay WHEN a drill asks another delay THEN it refuses and names both; the same delay starts it", async () => {
    templates({ id: 'EXT-lat', fault: 'latency', region: 'us-west-2', extra: { [FIS_LATENCY_TAG]: '2000' } });
    await expect(driver().setServiceFault('us-west-2', { kind: 'latency', ms: 500 })).rejects.toThrow(
      'the latency template in us-west-2 adds 2000 ms, the drill asks 500 ms',
    );
    expect(fisMock.commandCalls(StartExperimentCommand)).toHaveLength(0);
    fisMock.on(StartExperimentCommand).resolves({ experiment: { id: 'EXP5' } });
    fisMock.on(GetExperimentCommand).resolves({ experiment: { state: { status: 'running' } } });
    await expect(driver().setServiceFault('us-west-2', { kind: 'latency', ms: 2000 })).resolves.toBe('EXP5');
    expect(startedTemplate()).toBe('EXT-lat');
  });

  it('GIVEN alarm history on two pages in each Region WHEN the fired alarms are read THEN every managed ALARM transition is listed in time order, composites marked', async () => {
    const history = (name: string, at: string, newState: string, type: AlarmType = AlarmType.MetricAlarm) => ({
      AlarmName: name,
      AlarmType: type,
      Timestamp: new Date(at),
      HistoryItemType: HistoryItemType.StateUpdate,
      HistoryData: JSON.stringify({ oldState: { stateValue: 'OK' }, newState: { stateValue: newState } }),
    });
    const east = cwMock(clients, 'us-east-1');
    const west = cwMock(clients, 'us-west-2');
    east
      .on(DescribeAlarmHistoryCommand, { NextToken: undefined })
      .resolves({
        AlarmHistoryItems: [
          history('regionflip-us-east-1-alb-5xx-rate', '2026-01-01T00:01:00Z', 'ALARM'),
          history('regionflip-us-east-1-p99-latency', '2026-01-01T00:01:30Z', 'OK'),
        ],
        NextToken: 'p2',
      })
      .on(DescribeAlarmHistoryCommand, { NextToken: 'p2' })
      .resolves({
        AlarmHistoryItems: [
          history('regionflip-us-east-1-region-unhealthy', '2026-01-01T00:02:00Z', 'ALARM', AlarmType.CompositeAlarm),
          history('regionflip.ops.us-east-1.failover-errors', '2026-01-01T00:02:10Z', 'ALARM'),
        ],
      });
    west.on(DescribeAlarmHistoryCommand).resolves({
      AlarmHistoryItems: [history('regionflip-us-east-1-probe-unavailable', '2026-01-01T00:01:45Z', 'ALARM')],
    });
    const since = Date.parse('2026-01-01T00:00:00Z');
    const until = Date.parse('2026-01-01T01:00:00Z');
    await expect(driver().alarmsFired!(since, until)).resolves.toEqual([
      {
        at: Date.parse('2026-01-01T00:01:00Z'),
        region: 'us-east-1',
        alarm: 'regionflip-us-east-1-alb-5xx-rate',
        composite: false,
      },
      {
        at: Date.parse('2026-01-01T00:01:45Z'),
        region: 'us-west-2',
        alarm: 'regionflip-us-east-1-probe-unavailable',
        composite: false,
      },
      {
        at: Date.parse('2026-01-01T00:02:00Z'),
        region: 'us-east-1',
        alarm: 'regionflip-us-east-1-region-unhealthy',
        composite: true,
      },
    ]);
    expect(east.commandCalls(DescribeAlarmHistoryCommand)[0]?.args[0].input).toMatchObject({
      HistoryItemType: 'StateUpdate',
      StartDate: new Date(since),
      EndDate: new Date(until),
    });
    expect(east.commandCalls(DescribeAlarmHistoryCommand)).toHaveLength(2);
  });
});

describe('production confirmation (dangerous!)', () => {
  const ask = jest.fn(async () => 'regionflip');

  it('GIVEN no flag and no terminal WHEN a drill targets AWS THEN it refuses and names the flag', async () => {
    await expect(
      confirmProductionDrill({ flag: false, expected: 'regionflip', interactive: false, ask }),
    ).rejects.toThrow(PRODUCTION_FLAG);
  });

  it('GIVEN a terminal WHEN the engineer types something else THEN nothing runs', async () => {
    await expect(
      confirmProductionDrill({ flag: false, expected: 'regionflip@123456789012', interactive: true, ask }),
    ).rejects.toThrow(/does not match "regionflip@123456789012": nothing was changed/);
  });

  it('GIVEN the typed confirmation or the flag WHEN checked THEN the drill may start', async () => {
    await expect(
      confirmProductionDrill({ flag: false, expected: 'regionflip', interactive: true, ask }),
    ).resolves.toBeUndefined();
    await expect(
      confirmProductionDrill({ flag: true, expected: 'x', interactive: false, ask }),
    ).resolves.toBeUndefined();
  });
});

describe('AWS drill client identities', () => {
  const clients = createAwsClients([config.regions.primary, config.regions.secondary], {});
  const fis = { [config.regions.primary]: new FisClient({ region: config.regions.primary }) };
  const tokenJson = (skip?: string) =>
    JSON.stringify(
      Object.fromEntries(config.tenants.filter((t) => t.id !== skip).map((t) => [t.id, `id-token-${t.id}`])),
    );

  it("GIVEN every tenant's ID token WHEN the traffic tenants are built THEN each client carries its own tenant's token", () => {
    const driver = awsDriver({ config, clients, fis, hostedZoneId: 'Z1', runId: 'run', tenantTokens: tokenJson() });
    const tenants = driver.trafficTenants();
    expect(tenants.map((t) => t.token)).toEqual(config.tenants.map((t) => `id-token-${t.id}`));
  });

  it.each([
    ['unset', undefined, /REGIONFLIP_TENANT_TOKENS is not set: sign in each tenant's drill-probe user/],
    ['not JSON', 'eyJ', /REGIONFLIP_TENANT_TOKENS is not JSON/],
    ['not a map of strings', '{"acme":1}', /must map tenant ids to ID tokens/],
  ])('GIVEN REGIONFLIP_TENANT_TOKENS %s WHEN parsed THEN the error says how to get the tokens', (_w, text, message) => {
    expect(() => parseTenantTokens(text, config)).toThrow(message);
  });

  it('GIVEN a tenant without a token WHEN parsed THEN the error names the tenant', () => {
    const missing = config.tenants[0]!.id;
    expect(() => parseTenantTokens(tokenJson(missing), config)).toThrow(
      new RegExp(`no token for tenant\\(s\\) ${missing}:`),
    );
  });
});
