import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ensureMotoInstalled } from '../../chaos/env/moto-server';
import { type Synthesized, synthesize } from './synth';

/** One synthesis, with the failover Lambda really bundled (the handler must compile for Node 22). */
let synth: Synthesized;
let stacks: Stack[];
beforeAll(() => {
  synth = synthesize({ bundle: true });
  stacks = [
    synth.stacks.data,
    synth.stacks.dns,
    ...Object.values(synth.stacks.regions),
    ...Object.values(synth.stacks.tenants).flatMap((byId) => Object.values(byId)),
  ];
});
afterAll(() => synth?.dispose());

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag (AwsSolutions) on every stack', () => {
  it('GIVEN the synthesised app WHEN each stack is checked THEN no finding is left unacknowledged', () => {
    const tenantStacks = ['us-east-1', 'us-west-2'].flatMap((region) =>
      ['acme', 'globex', 'initech', 'umbrella'].map((id) => `regionflip-${region}-tenant-${id}`),
    );
    expect(stacks.map((s) => s.stackName).sort()).toEqual(
      ['regionflip-data', 'regionflip-dns', 'regionflip-us-east-1', 'regionflip-us-west-2', ...tenantStacks].sort(),
    );
    for (const stack of stacks) {
      const report = new AwsSolutionsChecks(stack).validateScope(stack);
      const findings = report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
      expect({ stack: stack.stackName, findings }).toEqual({ stack: stack.stackName, findings: [] });
    }
  });

  it('GIVEN the acknowledged findings WHEN listed THEN each names a rule and carries a reason', () => {
    // Only ours: the CDK acknowledges some of its own CloudFormation-Validate findings.
    const acks = acknowledgements(synth.app).filter((ack) => ack.id.includes('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect({ ...ack, reasonLength: ack.reason.length > 30 }).toEqual({ ...ack, reasonLength: true });
    }
  });
});

describe('cfn-lint over the synthesised templates', () => {
  it('GIVEN the templates written by synth WHEN cfn-lint checks them THEN it reports no errors', () => {
    const bin = ensureMotoInstalled();
    const templates = readdirSync(synth.outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => join(synth.outdir, f));
    expect(templates).toHaveLength(stacks.length);
    const run = spawnSync(join(bin, 'cfn-lint'), ['--format', 'json', ...templates], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    // A crashed cfn-lint prints no JSON: that must fail the test, not pass it with no matches.
    expect({ stdout: run.stdout.trim().slice(0, 1), stderr: run.stderr }).toMatchObject({ stdout: '[' });
    const matches = JSON.parse(run.stdout) as { Level: string; Rule: { Id: string }; Message: string }[];
    const errors = matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id}: ${m.Message}`);
    expect(errors).toEqual([]);
    // cfn-lint's exit code is a bit mask: 2 means errors were found, 1 that cfn-lint itself failed (a signal: null).
    expect((run.status ?? 1) & 3).toBe(0);
  });
});
