import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CONTEXT, settingsFromContext } from '../../infra/config-source';

const YAML = `app: drillapp
regions: { primary: eu-west-1, secondary: eu-central-1 }
tenants:
  - { id: acme, tier: premium }
  - { id: hooli, tier: basic }
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionflip-config-'));
  writeFileSync(join(dir, 'ok.yaml'), YAML);
  writeFileSync(join(dir, 'bad.yaml'), YAML.replace('tier: basic', 'tier: gold'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the app configuration from cdk context', () => {
  it('GIVEN no context WHEN read THEN the shipped sample configuration is used, routing on the primary', () => {
    const settings = settingsFromContext(new App());
    expect(settings.configFile).toMatch(/infra\/config\/regionflip\.yaml$/);
    expect(settings.config.tenants.length).toBeGreaterThan(0);
    expect(settings.activeRegion).toBe(settings.config.regions.primary);
  });

  it('GIVEN regionflip:config WHEN read THEN that file is loaded, with documented defaults filled in', () => {
    const settings = settingsFromContext(new App({ context: { [CONTEXT.configFile]: join(dir, 'ok.yaml') } }));
    expect(settings.config.app).toBe('drillapp');
    expect(settings.config.dns.ttlSeconds).toBe(60);
    expect(settings.config.service).toEqual({ minTasks: 2, maxTasks: 10, cpu: 256, memoryMiB: 512 });
    expect(settings.activeRegion).toBe('eu-west-1');
  });

  it('GIVEN a bad tier WHEN read THEN synth stops with the line, the value and the file', () => {
    const read = () => settingsFromContext(new App({ context: { [CONTEXT.configFile]: join(dir, 'bad.yaml') } }));
    expect(read).toThrow(/bad\.yaml is not valid[\s\S]*line 5, tenants\.1\.tier[\s\S]*"gold"/);
  });

  it('GIVEN a missing file WHEN read THEN the error names it', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => settingsFromContext(new App({ context: { [CONTEXT.configFile]: missing } }))).toThrow(missing);
  });

  it('GIVEN an active Region outside the deployment WHEN read THEN the error names the context key and the Regions', () => {
    const app = new App({
      context: { [CONTEXT.configFile]: join(dir, 'ok.yaml'), [CONTEXT.activeRegion]: 'us-east-1' },
    });
    expect(() => settingsFromContext(app)).toThrow(
      /regionflip:activeRegion.*"us-east-1".*"eu-west-1" and "eu-central-1"/,
    );
  });
});
