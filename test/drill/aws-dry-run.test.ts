import {
  FisClient,
  GetExperimentTemplateCommand,
  ListExperimentsCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import { FisFaults } from '../../chaos/drill/aws/fis-faults';
import { fisDryRunPlan } from '../../chaos/drill/aws/fis-plan';
import { parseDrill } from '../../chaos/drill/load';
import { runCli } from '../../failover/cli/program';
import { loadConfig } from '../../failover/config/load';
import { FIS_LATENCY_TAG } from '../../infra/fis/tags';
import { mockFis, templateTags } from './fis-mock';

const fisMock = mockFis();
const config = loadConfig();
const { primary, secondary } = config.regions;
const tags = (fault: string, region: string, extra: Record<string, string> = {}) =>
  templateTags(config.app, fault, region, extra);
const alarmArn = `arn:aws:cloudwatch:${primary}:123456789012:alarm:regionflip-${primary}-region-unhealthy`;
const outageTemplate = {
  id: 'EXT-outage',
  description: `regionflip: ${primary} goes dark`,
  roleArn: 'arn:aws:iam::123456789012:role/fis-drills',
  actions: {
    disruptSubnets: {
      actionId: 'aws:network:disrupt-connectivity',
      parameters: { duration: 'PT30M', scope: 'all' },
      targets: { Subnets: 'Subnets' },
    },
    pauseReplication: {
      actionId: 'aws:dynamodb:global-table-pause-replication',
      parameters: { duration: 'PT30M' },
      targets: { Tables: 'Table' },
    },
  },
  targets: {
    Subnets: { resourceType: 'aws:ec2:subnet', selectionMode: 'ALL', resourceArns: ['arn:subnet/a', 'arn:subnet/b'] },
    Table: { resourceType: 'aws:dynamodb:global-table', selectionMode: 'ALL', resourceArns: ['arn:table/data'] },
  },
  stopConditions: [{ source: 'aws:cloudwatch:alarm', value: alarmArn }],
};

const drillYaml = (faults: string[]) => `
title: dry run
target: aws
steadyStateHypothesis:
  title: traffic is served
  probes:
    - { type: success-rate, min: 0.9, window: 2s }
method:
${faults.map((f, i) => `  - { type: action, name: fault ${i}, fault: ${f} }`).join('\n')}
rollbacks:
  - { type: clear-faults }
expectations:
  outcome: failover
`;

beforeEach(() => {
  fisMock.reset();
  fisMock.on(ListExperimentTemplatesCommand).resolves({
    experimentTemplates: [
      { id: 'EXT-outage', tags: tags('region-outage', primary) },
      { id: 'EXT-repl', tags: tags('replication-pause', primary) },
      { id: 'EXT-lat', tags: tags('latency', primary, { [FIS_LATENCY_TAG]: '2000' }) },
      { id: 'EXT-outage-west', tags: tags('region-outage', secondary) },
    ],
  });
  fisMock.on(GetExperimentTemplateCommand, { id: 'EXT-outage' }).resolves({ experimentTemplate: outageTemplate });
  for (const id of ['EXT-repl', 'EXT-lat']) {
    fisMock
      .on(GetExperimentTemplateCommand, { id })
      .resolves({ experimentTemplate: { id, actions: {}, targets: {}, stopConditions: [] } });
  }
});

const faults = () =>
  new FisFaults({ [primary]: new FisClient({ region: primary }), [secondary]: new FisClient({ region: secondary }) });
/** The FIS commands a dry run sent: only reads. */
const sentCommands = () => [...new Set(fisMock.calls().map((c) => c.args[0].constructor.name))].sort();

describe('drill run --target aws --dry-run: the FIS templates it would start', () => {
  it('GIVEN the deployed templates WHEN a region-outage drill is planned THEN its template is printed with actions, targets and stop conditions, and only List/Get were sent', async () => {
    const drill = parseDrill(drillYaml(['{ kind: region-outage, region: primary }']), 'dry-run.yaml', config);
    const plan = await fisDryRunPlan(faults(), drill, config);
    expect(plan.problems).toEqual([]);
    expect(plan.text).toContain(`  - region-outage in ${primary}: template EXT-outage\n`);
    expect(plan.text).toContain(
      '      - disruptSubnets: aws:network:disrupt-connectivity (duration=PT30M, scope=all) on Subnets=Subnets',
    );
    expect(plan.text).toContain('      - Subnets: aws:ec2:subnet, ALL, 2 ARN(s): arn:subnet/a, arn:subnet/b');
    expect(plan.text).toContain(`    stop conditions:\n      - aws:cloudwatch:alarm: ${alarmArn}`);
    expect(plan.text).toContain('    role: arn:aws:iam::123456789012:role/fis-drills');
    expect(plan.text).not.toContain('EXT-outage-west');
    expect(sentCommands()).toEqual(['GetExperimentTemplateCommand', 'ListExperimentTemplatesCommand']);
  });

  it('GIVEN a template without stop conditions WHEN planned THEN the plan says nothing would stop it early', async () => {
    const drill = parseDrill(drillYaml(['{ kind: replication-pause }']), 'dry-run.yaml', config);
    const plan = await fisDryRunPlan(faults(), drill, config);
    expect(plan.text).toContain(`  - replication-pause in ${primary}: template EXT-repl\n`);
    expect(plan.text).toContain('      - NONE: nothing stops this experiment early');
  });

  it('GIVEN a fault without a template, an error-rate fault and a latency the template does not add WHEN planned THEN each is a problem naming the fix', async () => {
    const drill = parseDrill(
      drillYaml([
        '{ kind: service-outage, region: secondary }',
        '{ kind: error-rate, region: primary, percent: 50 }',
        '{ kind: latency, region: primary, ms: 500 }',
      ]),
      'dry-run.yaml',
      config,
    );
    const plan = await fisDryRunPlan(faults(), drill, config);
    expect(plan.problems).toEqual([
      'error-rate has no FIS action on AWS (FIS cannot make a service answer 5xx at a rate): run it with --target local',
      `no FIS experiment template tagged regionflip:app=${config.app}, regionflip:fault=service-outage, ` +
        `regionflip:region=${secondary}: deploy the Region stack of the CDK app (infra/fis)`,
      `the latency template in ${primary} adds 2000 ms, the drill asks 500 ms: set the drill's latency to 2000 ms ` +
        'or change FIS_LATENCY_MS (infra/fis)',
    ]);
    expect(plan.text).toContain(`  - service-outage in ${secondary}: MISSING`);
  });

  it('GIVEN the catalogue region-outage drill WHEN the CLI dry-runs it against AWS THEN it prints the plan and the template, exits 0 and starts nothing', async () => {
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await runCli(['drill', 'run', 'chaos/drills/region-outage.yaml', '--target', 'aws', '--dry-run']);
    } finally {
      write.mockRestore();
      // runCli sets the exit code for the process, which is jest's own here.
      process.exitCode = 0;
    }
    const text = printed.join('');
    expect(code).toBe(0);
    expect(text).toContain('(target: aws)');
    expect(text).toContain(`  - region-outage in ${primary}: template EXT-outage`);
    expect(text).toContain('(dry run: nothing was started or changed)');
    expect(fisMock.commandCalls(StartExperimentCommand)).toHaveLength(0);
    expect(fisMock.commandCalls(StopExperimentCommand)).toHaveLength(0);
    expect(fisMock.commandCalls(ListExperimentsCommand)).toHaveLength(0);
  });

  it('GIVEN a drill whose template is not deployed WHEN the CLI dry-runs it against AWS THEN it exits 1 (the run would refuse)', async () => {
    fisMock.on(ListExperimentTemplatesCommand).resolves({ experimentTemplates: [] });
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(
        runCli(['drill', 'run', 'chaos/drills/region-outage.yaml', '--target', 'aws', '--dry-run']),
      ).resolves.toBe(1);
    } finally {
      write.mockRestore();
      // runCli sets the exit code for the process, which is jest's own here.
      process.exitCode = 0;
    }
  });
});
