import { parseConfig } from '../../failover/config/load';
import {
  loadRuntimeSettings,
  RuntimeSettingsError,
  runtimeSettingsFromConfig,
  toEnvironment,
} from '../../failover/config/runtime-settings';

const config = parseConfig(
  [
    'app: regionflip',
    'tenants:',
    ...Array.from({ length: 500 }, (_, i) => `  - { id: tenant-${i}, tier: ${i % 3 === 0 ? 'premium' : 'basic'} }`),
    'policy: { cooldownSeconds: 600 }',
  ].join('\n'),
);
const deployed = {
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  oncallTopicArn: 'arn:aws:sns:us-east-1:123456789012:regionflip-oncall',
};

function problemsOf(env: Record<string, string | undefined>): string {
  try {
    loadRuntimeSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeSettingsError);
    return (err as Error).message;
  }
  throw new Error('expected a RuntimeSettingsError');
}

describe('runtime settings of the failover Lambda', () => {
  it('GIVEN a configuration WHEN turned into the environment and read back THEN the settings are the same', () => {
    const settings = runtimeSettingsFromConfig(config, deployed);
    expect(loadRuntimeSettings(toEnvironment(settings))).toEqual(settings);
    expect(settings).toMatchObject({ controlTable: 'regionflip-control', controlRegion: 'us-west-2' });
    expect(settings.policy.cooldownSeconds).toBe(600);
  });

  it('GIVEN 500 tenants WHEN the environment is built THEN it stays under Lambda 4 KB limit (no tenant list)', () => {
    const env = toEnvironment(runtimeSettingsFromConfig(config, deployed));
    const size = Object.entries(env).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(size).toBeLessThan(4096);
    expect(JSON.stringify(env)).not.toContain('tenant-1');
  });

  it('GIVEN an empty environment WHEN read THEN every missing variable is named with what to set', () => {
    const message = problemsOf({});
    for (const variable of ['REGIONFLIP_APP', 'REGIONFLIP_HOSTED_ZONE_ID', 'REGIONFLIP_ONCALL_TOPIC_ARN']) {
      expect(message).toContain(`${variable} is not set: set it to`);
    }
  });

  it('GIVEN a display name for a Region and a bad policy WHEN read THEN the variables and values are named', () => {
    const env = {
      ...toEnvironment(runtimeSettingsFromConfig(config, deployed)),
      REGIONFLIP_SECONDARY_REGION: 'US West (Oregon)',
      REGIONFLIP_POLICY: '{"cooldownSeconds": -1, "autoFailback": true}',
    };
    const message = problemsOf(env);
    expect(message).toContain('REGIONFLIP_SECONDARY_REGION="US West (Oregon)" must be an AWS Region code');
    expect(message).toMatch(/REGIONFLIP_POLICY\.cooldownSeconds: .*\(got -1\): set it to /);
    expect(message).toMatch(/REGIONFLIP_POLICY\.autoFailback: automatic failback is not supported/);
  });

  it('GIVEN policy text that is not JSON WHEN read THEN the error says so', () => {
    const env = { ...toEnvironment(runtimeSettingsFromConfig(config, deployed)), REGIONFLIP_POLICY: '{cooldown: 5' };
    expect(problemsOf(env)).toMatch(/REGIONFLIP_POLICY is not JSON/);
  });

  it('GIVEN a control Region outside the deployment WHEN read THEN the fix lists the two Regions', () => {
    const env = {
      ...toEnvironment(runtimeSettingsFromConfig(config, deployed)),
      REGIONFLIP_CONTROL_REGION: 'eu-west-1',
    };
    expect(problemsOf(env)).toContain('set it to "us-east-1" or "us-west-2"');
  });
});
