import {
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  PriorRequestNotComplete,
  type ResourceRecordSet,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import type { SwitchProgress } from '../../failover/ports';
import { RetriesExhaustedError } from '../../failover/switch/backoff';
import { ROUTE53_CHANGE_LIMITS, upsertCost } from '../../failover/switch/batch';
import { normaliseDnsName } from '../../failover/switch/records';
import { Route53RecordsSwitch, SwitchVerificationError } from '../../failover/switch/route53-switch';

const ZONE = 'tenants.example.com';
const route53Mock = mockClient(Route53Client);

/** The zone's record sets as the stubbed ListResourceRecordSets answers them; stubbed UPSERTs write here. */
let zone: ResourceRecordSet[];
let now: number;
let slept: number[];

function cname(name: string, value: string): ResourceRecordSet {
  return { Name: `${name}.`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: value }] };
}

function zoneWith(premium: number, region: string): ResourceRecordSet[] {
  return [
    cname(`shared.${ZONE}`, `shared.${region}.${ZONE}`),
    cname(`pooled.${ZONE}`, `shared.${ZONE}`),
    ...Array.from({ length: premium }, (_, i) => {
      const id = `t${String(i).padStart(5, '0')}`;
      return cname(`${id}.${ZONE}`, `${id}.${region}.${ZONE}`);
    }),
  ];
}

function listPage(input: ListResourceRecordSetsCommandInput) {
  const max = input.MaxItems ?? 300;
  let start = 0;
  if (input.StartRecordName) {
    const name = normaliseDnsName(input.StartRecordName);
    start = zone.findIndex(
      (r) => normaliseDnsName(r.Name!) === name && (!input.StartRecordType || r.Type === input.StartRecordType),
    );
    if (start < 0) return { ResourceRecordSets: [], IsTruncated: false, MaxItems: max };
  }
  const page = zone.slice(start, start + max);
  const next = zone[start + max];
  return {
    ResourceRecordSets: page,
    IsTruncated: next !== undefined,
    MaxItems: max,
    ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type } : {}),
  };
}

let changeCount = 0;
function upsert(input: ChangeResourceRecordSetsCommandInput) {
  for (const change of input.ChangeBatch!.Changes!) {
    const rrset = change.ResourceRecordSet!;
    const i = zone.findIndex((r) => normaliseDnsName(r.Name!) === normaliseDnsName(rrset.Name!));
    if (i >= 0) zone[i] = rrset;
    else zone.push(rrset);
  }
  changeCount++;
  return { ChangeInfo: { Id: `/change/C${changeCount}`, Status: 'PENDING' as const, SubmittedAt: new Date() } };
}

function makeSwitch(overrides: { maxAttempts?: number; inSyncTimeoutMs?: number } = {}) {
  return new Route53RecordsSwitch({
    route53: new Route53Client({ region: 'us-east-1', maxAttempts: 1 }),
    hostedZoneId: 'Z0123456789',
    zoneName: ZONE,
    regions: { primary: 'us-east-1', secondary: 'us-west-2' },
    ttlSeconds: 60,
    backoff: {
      baseMs: 100,
      capMs: 2000,
      maxAttempts: overrides.maxAttempts ?? 5,
      random: () => 0.25,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    },
    inSyncPollMs: 50,
    inSyncTimeoutMs: overrides.inSyncTimeoutMs ?? 10_000,
    now: () => now,
  });
}

function changeInputs(): ChangeResourceRecordSetsCommandInput[] {
  return route53Mock.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input);
}

function throttling() {
  return new Route53ServiceException({ name: 'Throttling', $fault: 'client', $metadata: {}, message: 'Rate exceeded' });
}

beforeEach(() => {
  route53Mock.reset();
  zone = zoneWith(2500, 'us-east-1');
  now = 0;
  slept = [];
  changeCount = 0;
  route53Mock.on(ListResourceRecordSetsCommand).callsFake(listPage);
  route53Mock.on(ChangeResourceRecordSetsCommand).callsFake(upsert);
  route53Mock.on(GetChangeCommand).callsFake((input) => ({ ChangeInfo: { Id: input.Id, Status: 'INSYNC' } }));
});

describe('Route53RecordsSwitch.plan', () => {
  it('GIVEN 2,500 premium records WHEN a Region switch is planned THEN the zone is read 300 records a page', async () => {
    await makeSwitch().plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    const reads = route53Mock.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input);
    expect(reads).toHaveLength(Math.ceil(2502 / 300));
    expect(reads.every((r) => r.MaxItems === 300)).toBe(true);
  });

  it('GIVEN 2,500 premium records WHEN a Region switch is planned THEN all move, premium first, shared last', async () => {
    const plan = await makeSwitch().plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    expect(plan.changes).toHaveLength(2501);
    expect(plan.changes.slice(0, -1).every((c) => c.priority === 'premium')).toBe(true);
    expect(plan.changes.at(-1)).toEqual({
      name: `shared.${ZONE}`,
      from: `shared.us-east-1.${ZONE}`,
      to: `shared.us-west-2.${ZONE}`,
      ttl: 60,
      priority: 'shared',
    });
    expect(plan.unchanged).toEqual([]);
    expect(plan.batches.flat()).toEqual(plan.changes);
  });

  it('GIVEN records already at the target WHEN planned THEN nothing changes and they are listed as unchanged', async () => {
    zone = zoneWith(3, 'us-west-2');
    const sw = makeSwitch();
    const plan = await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    expect(plan.changes).toEqual([]);
    expect(plan.batches).toEqual([]);
    expect(plan.unchanged).toHaveLength(4);
    const outcome = await sw.apply(plan);
    expect(outcome.changeCalls).toBe(0);
    expect(route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('GIVEN no shared record yet WHEN a Region switch is planned THEN it is created (no "from")', async () => {
    zone = zoneWith(1, 'us-east-1').slice(1);
    const plan = await makeSwitch().plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    expect(plan.changes.map((c) => [c.name, c.from])).toEqual([
      [`t00000.${ZONE}`, `t00000.us-east-1.${ZONE}`],
      [`shared.${ZONE}`, undefined],
    ]);
  });

  it('GIVEN two premium tenants WHEN a tenants switch is planned THEN only their records are read and changed', async () => {
    const plan = await makeSwitch().plan({
      targetRegion: 'us-west-2',
      scope: { kind: 'tenants', tenantIds: ['t00007', 't00003', 't00007'] },
    });
    expect(plan.changes.map((c) => c.name)).toEqual([`t00007.${ZONE}`, `t00003.${ZONE}`]);
    const reads = route53Mock.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input);
    expect(reads.map((r) => [r.StartRecordName, r.StartRecordType, r.MaxItems])).toEqual([
      [`t00007.${ZONE}`, 'CNAME', 1],
      [`t00003.${ZONE}`, 'CNAME', 1],
    ]);
  });

  it('GIVEN an unknown and a pooled tenant WHEN a tenants switch is planned THEN the error names both and the fix', async () => {
    const planning = makeSwitch().plan({
      targetRegion: 'us-west-2',
      scope: { kind: 'tenants', tenantIds: ['nosuch', 'pooled'] },
    });
    await expect(planning).rejects.toThrow(/unknown tenant "nosuch": hosted zone Z0123456789 has no routing record/);
    await expect(planning).rejects.toThrow(/tenant "pooled" is not premium .*moves only with a Region switch/);
    await expect(planning).rejects.toThrow(/Valid ids are the premium tenants \(tier: premium\) of the configuration/);
  });

  it('GIVEN "shared" or no id WHEN a tenants switch is planned THEN the error says what to do instead', async () => {
    const sw = makeSwitch();
    await expect(sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'tenants', tenantIds: [] } })).rejects.toThrow(
      'name at least one premium tenant',
    );
    await expect(
      sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'tenants', tenantIds: ['shared'] } }),
    ).rejects.toThrow(/"shared" is not a tenant id.*switch the whole Region/);
  });

  it('GIVEN an unknown target Region WHEN planned THEN the error names it and the Regions that exist', async () => {
    await expect(makeSwitch().plan({ targetRegion: 'eu-west-1', scope: { kind: 'region' } })).rejects.toThrow(
      'cannot switch traffic: unknown Region "eu-west-1": this deployment has "us-east-1" and "us-west-2"',
    );
    expect(route53Mock.calls()).toHaveLength(0);
  });
});

describe('Route53RecordsSwitch.apply', () => {
  it('GIVEN 2,500 premium records WHEN applied THEN 6 UPSERT batches within the limits (444 x 72 characters), shared last', async () => {
    const sw = makeSwitch();
    const plan = await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    const outcome = await sw.apply(plan);
    const inputs = changeInputs();
    expect(inputs).toHaveLength(plan.batches.length);
    expect(inputs.map((i) => i.ChangeBatch!.Changes!.length)).toEqual([444, 444, 444, 444, 444, 281]);
    for (const input of inputs) {
      const changes = input.ChangeBatch!.Changes!;
      const cost = changes.reduce(
        (sum, c) => {
          const one = upsertCost(c.ResourceRecordSet!.ResourceRecords![0]!.Value!);
          return [sum[0]! + one.resourceRecords, sum[1]! + one.valueCharacters];
        },
        [0, 0],
      );
      expect(cost[0]).toBeLessThanOrEqual(ROUTE53_CHANGE_LIMITS.resourceRecords);
      expect(cost[1]).toBeLessThanOrEqual(ROUTE53_CHANGE_LIMITS.valueCharacters);
      expect(changes.every((c) => c.Action === 'UPSERT' && c.ResourceRecordSet!.Type === 'CNAME')).toBe(true);
      expect(input.HostedZoneId).toBe('Z0123456789');
    }
    expect(inputs.at(-1)!.ChangeBatch!.Changes!.at(-1)!.ResourceRecordSet!.Name).toBe(`shared.${ZONE}`);
    expect(outcome).toMatchObject({ recordsChanged: 2501, changeCalls: 6, retries: 0 });
    expect(outcome.changeIds).toEqual([
      '/change/C1',
      '/change/C2',
      '/change/C3',
      '/change/C4',
      '/change/C5',
      '/change/C6',
    ]);
  });

  it('GIVEN Throttling on the first request WHEN applied THEN it is retried after a jittered wait and counted', async () => {
    zone = zoneWith(3, 'us-east-1');
    route53Mock.on(ChangeResourceRecordSetsCommand).rejectsOnce(throttling()).callsFake(upsert);
    const sw = makeSwitch();
    const progress: SwitchProgress[] = [];
    const outcome = await sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }), (p) =>
      progress.push(p),
    );
    expect(outcome).toMatchObject({ recordsChanged: 4, changeCalls: 2, retries: 1 });
    expect(slept).toEqual([25]);
    expect(progress).toEqual([
      { type: 'throttled', attempt: 1, delayMs: 25, code: 'Throttling' },
      { type: 'batch-applied', index: 1, of: 1, changeId: '/change/C1' },
      { type: 'in-sync', changeId: '/change/C1' },
      { type: 'verified', records: 4 },
    ]);
  });

  it('GIVEN PriorRequestNotComplete twice WHEN applied THEN the waits grow exponentially and the switch completes', async () => {
    zone = zoneWith(3, 'us-east-1');
    const busy = () => new PriorRequestNotComplete({ $metadata: {}, message: 'still processing a prior request' });
    route53Mock.on(ChangeResourceRecordSetsCommand).rejectsOnce(busy()).rejectsOnce(busy()).callsFake(upsert);
    const sw = makeSwitch();
    const outcome = await sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }));
    expect(outcome).toMatchObject({ changeCalls: 3, retries: 2 });
    expect(slept).toEqual([25, 50]);
    expect(zone[0]!.ResourceRecords![0]!.Value).toBe(`shared.us-west-2.${ZONE}`);
  });

  it('GIVEN Throttling on every request WHEN applied THEN it gives up after maxAttempts with a clear error', async () => {
    zone = zoneWith(3, 'us-east-1');
    route53Mock.on(ChangeResourceRecordSetsCommand).rejects(throttling());
    const sw = makeSwitch({ maxAttempts: 3 });
    const applying = sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }));
    await expect(applying).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(applying).rejects.toThrow(/Throttling after 3 attempts.*rerun the switch/);
    expect(changeInputs()).toHaveLength(3);
  });

  it('GIVEN a change PENDING twice WHEN applied THEN the SDK waiter polls GetChange until INSYNC', async () => {
    zone = zoneWith(3, 'us-east-1');
    route53Mock
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    const sw = makeSwitch();
    const outcome = await sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }));
    expect(route53Mock.commandCalls(GetChangeCommand).map((c) => c.args[0].input.Id)).toEqual([
      '/change/C1',
      '/change/C1',
      '/change/C1',
    ]);
    expect(outcome.changeIds).toEqual(['/change/C1']);
  });

  it('GIVEN a change that stays PENDING WHEN the timeout passes THEN the error says the switch is not done', async () => {
    zone = zoneWith(3, 'us-east-1');
    route53Mock
      .on(GetChangeCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    const sw = makeSwitch({ inSyncTimeoutMs: 1000 });
    await expect(sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }))).rejects.toThrow(
      /change \/change\/C1 is not INSYNC after 1000 ms .*PENDING.*not done until it is in sync/,
    );
  });

  it('GIVEN a change that Route 53 accepted but did not keep WHEN read back THEN the switch fails naming the record', async () => {
    zone = zoneWith(3, 'us-east-1');
    route53Mock.on(ChangeResourceRecordSetsCommand).callsFake((input: ChangeResourceRecordSetsCommandInput) => {
      const out = upsert(input);
      zone[2] = cname(`t00000.${ZONE}`, `t00000.us-east-1.${ZONE}`);
      return out;
    });
    const sw = makeSwitch();
    const applying = sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }));
    await expect(applying).rejects.toBeInstanceOf(SwitchVerificationError);
    await expect(applying).rejects.toThrow(
      `"t00000.${ZONE}" points at "t00000.us-east-1.${ZONE}", planned "t00000.us-west-2.${ZONE}"`,
    );
  });
});
