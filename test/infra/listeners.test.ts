import { Template } from 'aws-cdk-lib/assertions';
import { HEALTH_PATH } from '../../infra/tenant-service/routes';
import { exportedLogicalIds, logicalIdOf, type Synthesized, stacksOfRegion, synthesize } from './synth';

/**
 * What the load balancers expose, read from the synthesized templates: HTTPS only (port 80 redirects), the Region's
 * DNS-validated certificate, the probes' health route on every listener, and no rule that can reach an admin route.
 */

type Resource = { Type: string; Properties: Record<string, unknown> };
type Condition = { Field: string; PathPatternConfig?: { Values: string[] }; HostHeaderConfig?: { Values: string[] } };

/** An ALB path pattern as the load balancer matches it: `*` any run of characters, `?` one character. */
function albPatternMatches(pattern: string, path: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(path);
}

describe('load balancer listeners', () => {
  let synth: Synthesized;
  const perRegion: { region: string; templates: Template[]; exported: ReadonlyMap<string, string> }[] = [];
  beforeAll(() => {
    synth = synthesize();
    for (const region of [synth.config.regions.primary, synth.config.regions.secondary]) {
      const stacks = stacksOfRegion(synth.stacks, region);
      const templates = stacks.map((s) => Template.fromStack(s));
      perRegion.push({ region, templates, exported: exportedLogicalIds(templates[0]!) });
    }
  });
  afterAll(() => synth?.dispose());

  const all = (type: string) =>
    perRegion.flatMap(({ region, templates, exported }) =>
      templates.flatMap((t, stackIndex) =>
        Object.entries(t.findResources(type) as Record<string, Resource>).map(([id, r]) => ({
          region,
          stackIndex,
          id,
          props: r.Properties,
          exported,
        })),
      ),
    );

  it('GIVEN every listener WHEN synthesized THEN it is HTTPS with the TLS 1.3/1.2 policy, or port 80 redirecting to it', () => {
    const listeners = all('AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners.length).toBeGreaterThan(0);
    const https = listeners.filter((l) => l.props.Protocol === 'HTTPS');
    const http = listeners.filter((l) => l.props.Protocol === 'HTTP');
    expect(https.length + http.length).toBe(listeners.length);
    expect(https.length).toBe(http.length);
    for (const l of https) {
      expect(l.props).toMatchObject({ Port: 443, SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
      expect((l.props.Certificates as unknown[]).length).toBe(1);
    }
    for (const l of http) {
      expect(l.props.Port).toBe(80);
      expect(l.props.DefaultActions).toEqual([
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ]);
    }
  });

  it("GIVEN each Region WHEN synthesized THEN one certificate covers the tenants' and the regional names, DNS-validated in the zone", () => {
    const zone = synth.config.dns.zoneName.replace(/\.$/, '');
    for (const { region, templates } of perRegion) {
      templates[0]!.resourceCountIs('AWS::CertificateManager::Certificate', 1);
      const [cert] = Object.values(templates[0]!.findResources('AWS::CertificateManager::Certificate')) as Resource[];
      expect(cert!.Properties).toMatchObject({
        DomainName: `*.${zone}`,
        SubjectAlternativeNames: [`*.${region}.${zone}`],
        ValidationMethod: 'DNS',
      });
      const validation = cert!.Properties.DomainValidationOptions as { DomainName: string; HostedZoneId: unknown }[];
      expect(validation.map((v) => v.DomainName).sort()).toEqual([`*.${region}.${zone}`, `*.${zone}`].sort());
      for (const v of validation) expect(v.HostedZoneId).toBeDefined();
      // Every load balancer of the Region (shared and premium) presents it.
      for (const l of all('AWS::ElasticLoadBalancingV2::Listener').filter((x) => x.region === region)) {
        if (l.props.Protocol !== 'HTTPS') continue;
        const [{ CertificateArn }] = l.props.Certificates as [{ CertificateArn: unknown }];
        expect(logicalIdOf(CertificateArn, l.exported)).toMatch(/^Certificate/);
      }
    }
  });

  it('GIVEN every listener rule and default action WHEN matched against admin paths THEN none reaches them', () => {
    const rules = all('AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rules.length).toBeGreaterThan(0);
    const adminPaths = ['/admin/fault', '/admin', '/admin/'];
    for (const rule of rules) {
      for (const c of rule.props.Conditions as Condition[]) {
        for (const pattern of c.PathPatternConfig?.Values ?? []) {
          for (const path of adminPaths)
            expect({ pattern, path, matches: albPatternMatches(pattern, path) }).toEqual({
              pattern,
              path,
              matches: false,
            });
        }
      }
      // A rule without a path condition would send every path (admin included) to the services.
      expect((rule.props.Conditions as Condition[]).some((c) => c.Field === 'path-pattern')).toBe(true);
    }
    // Defaults never forward: a path no rule names gets the load balancer's own 404 (or the redirect).
    for (const l of all('AWS::ElasticLoadBalancingV2::Listener')) {
      for (const action of l.props.DefaultActions as { Type: string }[]) expect(action.Type).not.toBe('forward');
    }
  });

  it('GIVEN the probe path WHEN the rules of each HTTPS listener are read THEN every listener routes it, for every host it serves', () => {
    const rules = all('AWS::ElasticLoadBalancingV2::ListenerRule');
    const https = all('AWS::ElasticLoadBalancingV2::Listener').filter((l) => l.props.Protocol === 'HTTPS');
    // A rule names its listener by Ref (same stack) or by an import of the Region stack's export.
    const listenerOf = (r: (typeof rules)[number]) => {
      const arn = r.props.ListenerArn as Record<string, unknown>;
      const inRegionStack = 'Fn::ImportValue' in arn ? 0 : r.stackIndex;
      return `${r.region}/${inRegionStack}/${logicalIdOf(arn, r.exported)}`;
    };
    for (const l of https) {
      const key = `${l.region}/${l.stackIndex}/${l.id}`;
      const onListener = rules.filter((r) => listenerOf(r) === key);
      const hostsOf = (r: (typeof rules)[number]) =>
        JSON.stringify((r.props.Conditions as Condition[]).find((c) => c.Field === 'host-header') ?? null);
      const routesPath = (r: (typeof rules)[number], path: string) =>
        (r.props.Conditions as Condition[]).some((c) =>
          (c.PathPatternConfig?.Values ?? []).some((p) => albPatternMatches(p, path)),
        );
      const served = new Set(onListener.filter((r) => routesPath(r, '/orders')).map(hostsOf));
      const probed = new Set(onListener.filter((r) => routesPath(r, HEALTH_PATH)).map(hostsOf));
      expect({ listener: key, served: served.size > 0 }).toEqual({ listener: key, served: true });
      expect([...probed].sort()).toEqual([...served].sort());
    }
  });

  it('GIVEN each Region WHEN synthesized THEN a user pool issues tenant tokens, the tasks trust it, and no task holds a signing key', () => {
    for (const { region, templates } of perRegion) {
      const regionStack = templates[0]!;
      regionStack.resourceCountIs('AWS::Cognito::UserPool', 1);
      const [pool] = Object.values(regionStack.findResources('AWS::Cognito::UserPool')) as Resource[];
      const schema = pool!.Properties.Schema as { Name: string; Mutable: boolean }[];
      expect(schema.filter((a) => a.Name === 'tenantId' || a.Name === 'tier').map((a) => a.Mutable)).toEqual([
        false,
        false,
      ]);
      expect(pool!.Properties.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
      const [client] = Object.values(regionStack.findResources('AWS::Cognito::UserPoolClient')) as Resource[];
      expect(client!.Properties.WriteAttributes).not.toEqual(expect.arrayContaining(['custom:tenantId']));
      expect(client!.Properties.WriteAttributes).not.toEqual(expect.arrayContaining(['custom:tier']));
      expect(client!.Properties.ReadAttributes).toEqual(expect.arrayContaining(['custom:tenantId', 'custom:tier']));
      const tasks = templates.flatMap((t) => Object.values(t.findResources('AWS::ECS::TaskDefinition')) as Resource[]);
      expect(tasks.length).toBeGreaterThan(0);
      for (const task of tasks) {
        // The app container (the pool's tasks also run FIS's SSM agent sidecar, infra/fis/fault-injection-sidecar.ts).
        const container = (
          task.Properties.ContainerDefinitions as {
            Name: string;
            Environment: { Name: string; Value: unknown }[];
            Secrets: { Name: string }[];
          }[]
        ).find((c) => c.Name === 'app');
        const env = new Map(container!.Environment.map((e) => [e.Name, JSON.stringify(e.Value)]));
        expect(env.get('TOKEN_ISSUER')).toContain(`https://cognito-idp.${region}.`);
        expect(env.has('TOKEN_AUDIENCE')).toBe(true);
        // No fault-switch secret on AWS (FIS injects the faults), and no signing key.
        expect(container!.Secrets ?? []).toEqual([]);
      }
    }
  });
});
