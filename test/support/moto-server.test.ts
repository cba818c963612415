import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { clientConfig } from '../../failover/aws/clients';
import { motoTarget } from './moto';

describe('moto server started by the test setup', () => {
  it('GIVEN the global setup WHEN a Route 53 client calls it THEN moto answers', async () => {
    const r53 = new Route53Client(clientConfig('us-east-1', motoTarget()));
    const out = await r53.send(new ListHostedZonesCommand({}));
    expect(Array.isArray(out.HostedZones)).toBe(true);
  });
});
