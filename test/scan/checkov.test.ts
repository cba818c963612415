import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { type Synthesized, synthesize } from '../infra/synth';
import { ensureCheckovInstalled } from '../support/checkov';

/**
 * checkov (pinned in test/scan/checkov-requirements.txt, its own venv) on the templates `cdk synth` writes. Every accepted
 * finding is listed in .checkov-skips.yaml with its reason; any other failed check fails this test.
 */

const ROOT = resolve(__dirname, '../..');
const SKIPS_FILE = join(ROOT, '.checkov-skips.yaml');

const skipsSchema = z.array(
  z
    .object({
      check: z.string().regex(/^CKV2?_AWS_\d+$/, { message: 'must be a checkov check id such as "CKV_AWS_115"' }),
      resource: z.string().min(1),
      reason: z.string().min(20, { message: 'say why this finding is accepted (20 characters at least)' }),
    })
    .strict(),
);
type Skip = z.infer<typeof skipsSchema>[number];

interface Finding {
  readonly check: string;
  readonly resource: string;
  readonly template: string;
}

function loadSkips(): Skip[] {
  const parsed = skipsSchema.safeParse(parse(readFileSync(SKIPS_FILE, 'utf8')));
  if (!parsed.success) throw new Error(`${SKIPS_FILE}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const skips = (skip: Skip, finding: Finding) =>
  skip.check === finding.check && new RegExp(skip.resource).test(finding.resource);

function checkov(templates: readonly string[]): Finding[] {
  const bin = ensureCheckovInstalled();
  // --skip-download: no call to the vendor's platform (offline, deterministic); the checks themselves are local.
  const run = spawnSync(
    join(bin, 'checkov'),
    ['--framework', 'cloudformation', '--skip-download', '--quiet', '--compact', '-o', 'json', '-f', ...templates],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(run.error).toBeUndefined();
  // checkov exits 1 when a check failed; anything else (or no JSON) means it did not run: fail, do not pass empty.
  expect({ status: run.status, json: run.stdout.trim().slice(0, 1), stderr: run.stderr }).toMatchObject({
    status: run.status === 0 ? 0 : 1,
    json: expect.stringMatching(/^[[{]$/),
  });
  const reports = [JSON.parse(run.stdout)].flat() as {
    results: { failed_checks: { check_id: string; resource: string; file_path: string }[] };
  }[];
  return reports.flatMap((report) =>
    report.results.failed_checks.map((f) => ({
      check: f.check_id,
      resource: f.resource,
      template: basename(f.file_path),
    })),
  );
}

/** A template checkov must fail: a Lambda function without reserved concurrency, named like nothing skipped. */
const PLANTED = {
  Resources: {
    PlantedFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::123456789012:role/planted',
        Code: { ZipFile: 'exports.handler = async () => {};' },
      },
    },
  },
};

describe('checkov on the synthesised templates', () => {
  let synth: Synthesized;
  let findings: Finding[];
  let skipList: Skip[];
  beforeAll(() => {
    skipList = loadSkips();
    synth = synthesize();
    const templates = readdirSync(synth.outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => join(synth.outdir, f));
    expect(templates.length).toBeGreaterThanOrEqual(4);
    const planted = join(synth.outdir, 'planted.json');
    writeFileSync(planted, JSON.stringify(PLANTED));
    // One checkov run for both: its start-up (~10 s) is most of its cost.
    findings = checkov([...templates, planted]);
    // checkov is installed by the integration tier's global setup (test/support/global-setup.ts); the CDK synthesis
    // and checkov's own start-up take minutes on a machine shared with other suites.
  }, 600_000);
  afterAll(() => synth?.dispose());

  const unskipped = (fs: readonly Finding[]) => fs.filter((f) => !skipList.some((s) => skips(s, f)));

  it('GIVEN the app templates WHEN checkov runs THEN every failed check is in .checkov-skips.yaml', () => {
    const app = findings.filter((f) => f.template !== 'planted.json');
    expect(app.length).toBeGreaterThan(0);
    expect(unskipped(app).map((f) => `${f.check} ${f.resource} (${f.template})`)).toEqual([]);
  });

  it('GIVEN the failover Lambda WHEN checkov runs THEN its reserved concurrency passes CKV_AWS_115', () => {
    expect(findings.filter((f) => f.check === 'CKV_AWS_115' && f.resource.includes('FailoverFunction'))).toEqual([]);
  });

  it('GIVEN a planted template with an unbounded Lambda WHEN checkov runs THEN the finding is not skipped', () => {
    expect(unskipped(findings.filter((f) => f.template === 'planted.json'))).toContainEqual({
      check: 'CKV_AWS_115',
      resource: 'AWS::Lambda::Function.PlantedFunction',
      template: 'planted.json',
    });
  });

  it('GIVEN the skip list WHEN compared with the findings THEN every entry still excuses at least one', () => {
    const stale = skipList.filter((s) => !findings.some((f) => skips(s, f)));
    expect(stale).toEqual([]);
  });
});
