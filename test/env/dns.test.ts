import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { localLoadBalancerName, Route53DnsClient, regionOfLoadBalancerName } from '../../chaos/env/dns';
import { clientConfig } from '../../failover/aws/clients';
import { motoTarget, uniqueName } from '../support/moto';

describe('DNS answers from the Route 53 records in moto', () => {
  const route53 = new Route53Client(clientConfig('us-east-1', motoTarget()));
  const zone = `${uniqueName('dns')}.example.com`;
  let zoneId: string;
  let now = 1_000_000;
  const upsert = (name: string, value: string, ttl = 2) =>
    route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: value }] },
            },
          ],
        },
      }),
    );
  const client = () =>
    new Route53DnsClient({
      route53,
      hostedZoneId: zoneId,
      loadBalancerUrl: (region) => ({ 'us-east-1': 'http://east', 'us-west-2': 'http://west' })[region],
      clock: () => now,
    });

  beforeAll(async () => {
    const out = await route53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: zone }));
    zoneId = out.HostedZone!.Id!.replace('/hostedzone/', '');
    await upsert(`hooli.${zone}`, `shared.${zone}`, 60);
    await upsert(`shared.${zone}`, `shared.us-east-1.${zone}`, 2);
    await upsert(`shared.us-east-1.${zone}`, localLoadBalancerName('us-east-1'), 60);
    await upsert(`shared.us-west-2.${zone}`, localLoadBalancerName('us-west-2'), 60);
  });
  afterAll(() => route53.destroy());

  it('GIVEN a pooled tenant name WHEN resolved THEN the CNAME chain ends at the Region load balancer, TTL = smallest', async () => {
    const answer = await client().resolve(`HOOLI.${zone}.`);
    expect(answer).toEqual({
      chain: [`hooli.${zone}`, `shared.${zone}`, `shared.us-east-1.${zone}`, 'shared.us-east-1.lb.local'],
      region: 'us-east-1',
      url: 'http://east',
      expiresAt: now + 2000,
    });
  });

  it('GIVEN a cached answer WHEN the routing record moves THEN the client keeps the old answer until its TTL ends', async () => {
    const dns = client();
    expect((await dns.resolve(`hooli.${zone}`)).region).toBe('us-east-1');
    await upsert(`shared.${zone}`, `shared.us-west-2.${zone}`, 2);
    now += 1999;
    expect((await dns.resolve(`hooli.${zone}`)).region).toBe('us-east-1');
    expect((await client().resolve(`hooli.${zone}`)).region).toBe('us-west-2');
    now += 1;
    expect((await dns.resolve(`hooli.${zone}`)).region).toBe('us-west-2');
    await upsert(`shared.${zone}`, `shared.us-east-1.${zone}`, 2);
  });

  it('GIVEN a name with no record or a CNAME loop WHEN resolved THEN the error says which', async () => {
    await expect(client().resolve(`nobody.${zone}`)).rejects.toThrow(`no CNAME for nobody.${zone}`);
    await upsert(`loop-a.${zone}`, `loop-b.${zone}`);
    await upsert(`loop-b.${zone}`, `loop-a.${zone}`);
    await expect(client().resolve(`loop-a.${zone}`)).rejects.toThrow(
      /CNAME chain longer than 8.*check the records for a loop/,
    );
  });

  it('GIVEN local load balancer names WHEN parsed THEN the Region comes out, other names give undefined', () => {
    expect(regionOfLoadBalancerName('acme.us-west-2.lb.local.')).toBe('us-west-2');
    expect(regionOfLoadBalancerName('shared.us-west-2.example.com')).toBeUndefined();
  });
});
