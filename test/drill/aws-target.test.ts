import {
  FisClient,
  GetExperimentCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import { mockClient } from 'aws-sdk-client-mock';
import { awsDriver, parseTenantTokens } from '../../chaos/drill/aws/aws-driver';
import { confirmProductionDrill, PRODUCTION_FLAG } from '../../chaos/drill/aws/confirm';
import { FIS_TAGS, FisFaults } from '../../chaos/drill/aws/fis-faults';
import { createAwsClients } from '../../failover/aws/clients';
import { loadConfig } from '../../failover/config/load';

/**
 * @aws-sdk/client-fis is pinned to an older SDK release than the other clients, so its command types do not line up
 * with aws-sdk-client-mock's generics; the stub is typed loosely here and behaves the same.
 */
interface LooseBehaviour {
  resolves(output: unknown): LooseBehaviour;
  resolvesOnce(output: unknown): LooseBehaviour;
  on(command: unknown, input?: unknown): LooseBehaviour;
}
interface LooseStub {
  on(command: unknown, input?: unknown): LooseBehaviour;
  reset(): void;
  commandCalls(command: unknown): { args: [{ input: unknown }] }[];
}
const fisMock = mockClient(FisClient as never) as unknown as LooseStub;
const noSleep = async () => {};
const config = loadConfig();
const tags = (fault: string, region: string) => ({
  [FIS_TAGS.app]: 'regionflip',
  [FIS_TAGS.fault]: fault,
  [FIS_TAGS.region]: region,
});

beforeEach(() => fisMock.reset());

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

  it('GIVEN a FIS template for the outage WHEN the fault is injected and lifted THEN FIS starts and stops it (no fault switch call)', async () => {
    fisMock
      .on(ListExperimentTemplatesCommand)
      .resolves({ experimentTemplates: [{ id: 'EXT9', tags: tags('region-outage', 'us-east-1') }] });
    fisMock.on(StartExperimentCommand).resolves({ experiment: { id: 'EXP9' } });
    fisMock
      .on(GetExperimentCommand)
      .resolvesOnce({ experiment: { state: { status: 'running' } } })
      .resolvesOnce({ experiment: { state: { status: 'running' } } })
      .resolves({ experiment: { state: { status: 'stopped' } } });
    fisMock.on(StopExperimentCommand).resolves({});
    const fetchImpl = jest.fn();
    const driver = awsDriver({
      config,
      clients,
      fis,
      hostedZoneId: 'Z1',
      runId: 'run',
      fetchImpl,
      fisOptions: { sleep: noSleep },
    });
    const experimentId = await driver.setServiceFault('us-east-1', { kind: 'outage' });
    expect(experimentId).toBe('EXP9');
    await driver.lift({ kind: 'fault', fault: { kind: 'region-outage', region: 'us-east-1' }, experimentId });
    expect(fisMock.commandCalls(StopExperimentCommand)[0]?.args[0].input).toEqual({ id: 'EXP9' });
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it("GIVEN no FIS template WHEN a brown-out is injected THEN every regional endpoint's fault switch is set over HTTPS with the admin token", async () => {
    fisMock.on(ListExperimentTemplatesCommand).resolves({ experimentTemplates: [] });
    const fetchImpl = jest.fn(async () => new Response('{}', { status: 200 }));
    const driver = awsDriver({
      config,
      clients,
      fis,
      hostedZoneId: 'Z1',
      runId: 'run',
      adminToken: 'admin-token-1234567',
      fetchImpl: fetchImpl as unknown as typeof fetch,
    });
    await expect(driver.setServiceFault('us-west-2', { kind: 'error-rate', percent: 50 })).resolves.toBeUndefined();
    const urls = fetchImpl.mock.calls.map((c) => String((c as unknown[])[0]));
    const premium = config.tenants.filter((t) => t.tier === 'premium').length;
    expect(urls).toHaveLength(1 + premium);
    expect(urls[0]).toBe('https://shared.us-west-2.tenants.example.com/admin/fault');
    const init = (fetchImpl.mock.calls[0] as unknown[])[1] as RequestInit;
    expect(init.method).toBe('PUT');
    expect(init.body).toBe('{"kind":"error-rate","percent":50}');
    expect((init.headers as Record<string, string>)['x-admin-token']).toBe('admin-token-1234567');
  });

  it('GIVEN neither a template nor an admin token WHEN a fault is injected THEN it refuses and says how to fix it', async () => {
    fisMock.on(ListExperimentTemplatesCommand).resolves({ experimentTemplates: [] });
    const driver = awsDriver({ config, clients, fis, hostedZoneId: 'Z1', runId: 'run' });
    await expect(driver.setServiceFault('us-east-1', { kind: 'outage' })).rejects.toThrow(
      /deploy the FIS templates .* or set REGIONFLIP_ADMIN_TOKEN/,
    );
  });

  it('GIVEN no replication template WHEN replication is paused THEN the error names the FIS action to deploy', async () => {
    fisMock.on(ListExperimentTemplatesCommand).resolves({ experimentTemplates: [] });
    const driver = awsDriver({ config, clients, fis, hostedZoneId: 'Z1', runId: 'run' });
    await expect(driver.pauseReplication()).rejects.toThrow(/aws:dynamodb:global-table-pause-replication/);
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
