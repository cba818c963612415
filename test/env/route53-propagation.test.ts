import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  Route53Client,
  waitUntilResourceRecordSetsChanged,
} from '@aws-sdk/client-route-53';
import { localLoadBalancerName, Route53DnsClient } from '../../chaos/env/dns';
import { LOCAL_PROFILE } from '../../chaos/env/local-profile';
import { ROUTE53_PROPAGATION_SECONDS, Route53Propagation } from '../../chaos/env/route53-propagation';
import { clientConfig } from '../../failover/aws/clients';
import { motoTarget, uniqueName } from '../support/moto';

describe('Route 53 change propagation (moto is INSYNC at once)', () => {
  const DELAY_MS = 1000;
  let now = 5_000_000;
  const clock = () => now;
  const route53 = new Route53Client(clientConfig('us-east-1', motoTarget()));
  const propagation = new Route53Propagation({ delayMs: DELAY_MS, clock });
  propagation.attach(route53);
  const zone = `${uniqueName('prop')}.example.com`;
  let zoneId: string;
  const upsert = (name: string, value: string) =>
    route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: 1, ResourceRecords: [{ Value: value }] },
            },
          ],
        },
      }),
    );
  // A fresh resolver each time: no cache, so only propagation decides the answer.
  const regionNow = async (name: string) =>
    (
      await new Route53DnsClient({
        route53,
        hostedZoneId: zoneId,
        loadBalancerUrl: (region) => `http://${region}`,
        clock,
        propagation,
      }).resolve(name)
    ).region;

  beforeAll(async () => {
    const out = await route53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: zone }));
    zoneId = out.HostedZone!.Id!.replace('/hostedzone/', '');
    await upsert(`east.${zone}`, localLoadBalancerName('us-east-1'));
    await upsert(`west.${zone}`, localLoadBalancerName('us-west-2'));
    await upsert(`shared.${zone}`, `east.${zone}`);
    now += DELAY_MS;
  });
  afterAll(() => route53.destroy());

  it('GIVEN the local profile WHEN its propagation delay is read THEN it is R3 60 s compressed like the alarm period', () => {
    expect(ROUTE53_PROPAGATION_SECONDS).toBe(60);
    expect(LOCAL_PROFILE.route53PropagationMs).toBe(
      (ROUTE53_PROPAGATION_SECONDS * 1000 * LOCAL_PROFILE.detection.periodSeconds) / 60,
    );
  });

  it('GIVEN a change WHEN it is submitted THEN it is PENDING until the delay has passed, then INSYNC', async () => {
    const out = await upsert(`pending.${zone}`, localLoadBalancerName('us-east-1'));
    expect(out.ChangeInfo?.Status).toBe('PENDING');
    const id = out.ChangeInfo!.Id!;
    expect(propagation.propagatedAt(id)).toBe(now + DELAY_MS);
    now += DELAY_MS - 1;
    expect((await route53.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('PENDING');
    now += 1;
    expect((await route53.send(new GetChangeCommand({ Id: id.replace('/change/', '') }))).ChangeInfo?.Status).toBe(
      'INSYNC',
    );
  });

  it('GIVEN a moved record WHEN resolvers ask before it propagated THEN they get the old answer, after it the new one', async () => {
    expect(await regionNow(`shared.${zone}`)).toBe('us-east-1');
    await upsert(`shared.${zone}`, `west.${zone}`);
    now += DELAY_MS - 1;
    expect(await regionNow(`shared.${zone}`)).toBe('us-east-1');
    now += 1;
    expect(await regionNow(`shared.${zone}`)).toBe('us-west-2');
  });

  it('GIVEN two changes of one record in a row WHEN resolved in between THEN each answer shows once its own change propagated', async () => {
    await upsert(`shared.${zone}`, `east.${zone}`);
    now += DELAY_MS / 2;
    await upsert(`shared.${zone}`, `west.${zone}`);
    expect(await regionNow(`shared.${zone}`)).toBe('us-west-2');
    now += DELAY_MS / 2;
    expect(await regionNow(`shared.${zone}`)).toBe('us-east-1');
    now += DELAY_MS / 2;
    expect(await regionNow(`shared.${zone}`)).toBe('us-west-2');
  });

  it('GIVEN a new record WHEN resolved before it propagated THEN it does not resolve yet (NXDOMAIN)', async () => {
    await upsert(`fresh.${zone}`, localLoadBalancerName('us-west-2'));
    await expect(regionNow(`fresh.${zone}`)).rejects.toThrow(`no CNAME for fresh.${zone}`);
    now += DELAY_MS;
    expect(await regionNow(`fresh.${zone}`)).toBe('us-west-2');
  });

  it("GIVEN the real clock WHEN the SDK's waiter waits for a change THEN it returns only once the change propagated", async () => {
    const real = new Route53Client(clientConfig('us-east-1', motoTarget()));
    const realPropagation = new Route53Propagation({ delayMs: 300 });
    realPropagation.attach(real);
    try {
      const out = await real.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: { Name: `waited.${zone}`, Type: 'CNAME', TTL: 1, ResourceRecords: [{ Value: 'x' }] },
              },
            ],
          },
        }),
      );
      await waitUntilResourceRecordSetsChanged(
        { client: real, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.1 },
        { Id: out.ChangeInfo!.Id! },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(realPropagation.propagatedAt(out.ChangeInfo!.Id!)!);
    } finally {
      real.destroy();
    }
  });

  it.each([[-1], [Number.NaN]])(
    'GIVEN a delay of %p ms WHEN the model is built THEN the error names it and the fix',
    (d) => {
      expect(() => new Route53Propagation({ delayMs: d })).toThrow(
        `Route 53 propagation delay ${d} ms: give a number of milliseconds ≥ 0`,
      );
    },
  );
});
