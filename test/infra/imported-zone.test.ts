import { Template } from 'aws-cdk-lib/assertions';
import { namesFor } from '../../failover/config/names';
import { type Synthesized, sampleConfig, synthesize } from './synth';

/** The sample configuration with an imported zone and a 30 s TTL, deployed while failed over to us-west-2. */
let imported: Synthesized;
const IMPORTED_ZONE_ID = 'Z0IMPORTED123';
beforeAll(() => {
  imported = synthesize({
    config: sampleConfig((c) => ({ ...c, dns: { ...c.dns, hostedZoneId: IMPORTED_ZONE_ID, ttlSeconds: 30 } })),
    activeRegion: 'us-west-2',
  });
});
afterAll(() => imported?.dispose());

describe('an imported hosted zone, deployed while failed over', () => {
  it('GIVEN dns.hostedZoneId WHEN synthesised THEN no zone is created and every stack uses the id as is', () => {
    Template.fromStack(imported.stacks.dns).resourceCountIs('AWS::Route53::HostedZone', 0);
    for (const region of ['us-east-1', 'us-west-2']) {
      const template = Template.fromStack(imported.stacks.regions[region]!);
      template.allResourcesProperties('AWS::Route53::RecordSet', { HostedZoneId: IMPORTED_ZONE_ID });
      expect(JSON.stringify(template.toJSON())).not.toContain('CrossRegionExport');
    }
  });

  it('GIVEN activeRegion us-west-2 and a 30 s TTL WHEN synthesised THEN the routing records point at us-west-2 with that TTL', () => {
    const names = namesFor(imported.config);
    const template = Template.fromStack(imported.stacks.dns);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${names.sharedRoutingRecord}.`,
      ResourceRecords: [names.sharedRegionalRecord('us-west-2')],
      TTL: '30',
      HostedZoneId: IMPORTED_ZONE_ID,
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${names.tenantRecord('acme')}.`,
      ResourceRecords: [names.premiumRegionalRecord('acme', 'us-west-2')],
    });
  });
});
