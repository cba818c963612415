import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { namesFor } from '../../failover/config/names';
import { normaliseDnsName, parseRoutingRecord, zoneRecords } from '../../failover/switch/records';
import { localBalancer, switchConfig } from './fixtures';

const config = switchConfig('tenants.example.com', [
  { id: 'acme', tier: 'premium' },
  { id: 'globex', tier: 'premium' },
  { id: 'initech', tier: 'advanced' },
  { id: 'hooli', tier: 'basic' },
]);

function cname(name: string, value: string): ResourceRecordSet {
  return { Name: name, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: value }] };
}

describe('zoneRecords', () => {
  it('GIVEN tenants of every tier WHEN the zone is described THEN routing records point at the active Region', () => {
    const records = zoneRecords(config, 'us-east-1', localBalancer);
    expect(records.filter((r) => r.role === 'routing').map((r) => [r.name, r.value])).toEqual([
      ['shared.tenants.example.com', 'shared.us-east-1.tenants.example.com'],
      ['acme.tenants.example.com', 'acme.us-east-1.tenants.example.com'],
      ['globex.tenants.example.com', 'globex.us-east-1.tenants.example.com'],
    ]);
  });

  it('GIVEN tenants of every tier WHEN the zone is described THEN pooled tenants alias the shared record', () => {
    const records = zoneRecords(config, 'us-east-1', localBalancer);
    expect(records.filter((r) => r.role === 'tenant').map((r) => [r.name, r.value])).toEqual([
      ['initech.tenants.example.com', 'shared.tenants.example.com'],
      ['hooli.tenants.example.com', 'shared.tenants.example.com'],
    ]);
  });

  it('GIVEN two Regions WHEN the zone is described THEN each has a shared and a per-premium endpoint record', () => {
    const regional = zoneRecords(config, 'us-west-2', localBalancer).filter((r) => r.role === 'regional');
    expect(regional.map((r) => [r.name, r.value])).toEqual([
      ['shared.us-east-1.tenants.example.com', 'lb-shared.us-east-1.elb.local'],
      ['acme.us-east-1.tenants.example.com', 'lb-acme.us-east-1.elb.local'],
      ['globex.us-east-1.tenants.example.com', 'lb-globex.us-east-1.elb.local'],
      ['shared.us-west-2.tenants.example.com', 'lb-shared.us-west-2.elb.local'],
      ['acme.us-west-2.tenants.example.com', 'lb-acme.us-west-2.elb.local'],
      ['globex.us-west-2.tenants.example.com', 'lb-globex.us-west-2.elb.local'],
    ]);
    expect(regional.every((r) => r.ttl === 30)).toBe(true);
  });

  it('GIVEN a Region the deployment does not have WHEN the zone is described THEN the error names it', () => {
    expect(() => zoneRecords(config, 'eu-west-1', localBalancer)).toThrow(
      'unknown Region "eu-west-1": this deployment has "us-east-1" and "us-west-2"',
    );
  });

  it('GIVEN the names module WHEN routing names are derived THEN they agree with namesFor', () => {
    const names = namesFor(config);
    const routing = zoneRecords(config, 'us-west-2', localBalancer).filter((r) => r.role === 'routing');
    expect(routing[0]).toMatchObject({
      name: names.sharedRoutingRecord,
      value: names.sharedRegionalRecord('us-west-2'),
    });
    expect(routing[1]).toMatchObject({
      name: names.tenantRecord('acme'),
      value: names.premiumRegionalRecord('acme', 'us-west-2'),
    });
  });
});

describe('parseRoutingRecord', () => {
  const zone = 'tenants.example.com';

  it('GIVEN every record of a zone as Route 53 lists it (trailing dots) THEN exactly the routing records are found', () => {
    const listed = zoneRecords(config, 'us-east-1', localBalancer).map((r) => cname(`${r.name}.`, r.value));
    const routing = listed.flatMap((rrset) => parseRoutingRecord(rrset, zone) ?? []);
    expect(routing.map((r) => [r.name, r.label, r.priority, r.region])).toEqual([
      ['shared.tenants.example.com', 'shared', 'shared', 'us-east-1'],
      ['acme.tenants.example.com', 'acme', 'premium', 'us-east-1'],
      ['globex.tenants.example.com', 'globex', 'premium', 'us-east-1'],
    ]);
  });

  it('GIVEN a value with a trailing dot and capitals WHEN parsed THEN name and value are normalised', () => {
    expect(parseRoutingRecord(cname('ACME.tenants.example.com.', 'acme.US-WEST-2.tenants.example.com.'), zone)).toEqual(
      {
        name: 'acme.tenants.example.com',
        label: 'acme',
        priority: 'premium',
        region: 'us-west-2',
        value: 'acme.us-west-2.tenants.example.com',
        ttl: 60,
      },
    );
  });

  it.each([
    ['another tenant’s endpoint', cname('acme.tenants.example.com', 'globex.us-east-1.tenants.example.com')],
    ['not a Region code', cname('acme.tenants.example.com', 'acme.primary.tenants.example.com')],
    ['another zone', cname('acme.other.example.com', 'acme.us-east-1.other.example.com')],
    ['an A record', { Name: 'acme.tenants.example.com', Type: 'A', ResourceRecords: [{ Value: '192.0.2.1' }] }],
    [
      'a weighted record',
      { ...cname('acme.tenants.example.com', 'acme.us-east-1.tenants.example.com'), SetIdentifier: 'w1' },
    ],
  ] as [string, ResourceRecordSet][])('GIVEN %s WHEN parsed THEN it is not a routing record', (_, rrset) => {
    expect(parseRoutingRecord(rrset, zone)).toBeUndefined();
  });
});

describe('normaliseDnsName', () => {
  it('GIVEN a fully qualified name WHEN normalised THEN the trailing dot goes and case folds', () => {
    expect(normaliseDnsName('Shared.Tenants.Example.com.')).toBe('shared.tenants.example.com');
    expect(normaliseDnsName('shared.tenants.example.com')).toBe('shared.tenants.example.com');
  });
});
