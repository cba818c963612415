import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DRILL_JSON_SCHEMA_FILE, drillJsonSchemaText } from '../../chaos/drill/json-schema';
import { loadDrill, parseDrill, resolveRegion } from '../../chaos/drill/load';
import { durationMs } from '../../chaos/drill/schema';
import { DocumentError } from '../../failover/config/document';
import { loadConfig } from '../../failover/config/load';

const CATALOGUE = join(__dirname, '../../chaos/drills');
const catalogue = readdirSync(CATALOGUE).filter((f) => f.endsWith('.yaml'));

const minimal = `
title: t
steadyStateHypothesis:
  title: fine
  probes:
    - { type: success-rate, min: 0.99 }
method:
  - type: action
    name: outage
    fault: { kind: region-outage, region: primary }
expectations:
  outcome: failover
`;

describe('drill catalogue', () => {
  it('GIVEN the catalogue WHEN listed THEN it has every drill the issue asks for', () => {
    expect(catalogue.sort()).toEqual([
      'automation-disabled.yaml',
      'both-regions-unhealthy.yaml',
      'brown-out.yaml',
      'error-rate.yaml',
      'flapping-alarm.yaml',
      'region-outage.yaml',
      'replication-paused.yaml',
    ]);
  });

  it.each(catalogue)('GIVEN %s WHEN loaded THEN it validates and names only Regions of the configuration', (file) => {
    const drill = loadDrill(join(CATALOGUE, file));
    const config = loadConfig();
    for (const step of drill.method) {
      const fault = step.type === 'action' ? step.fault : undefined;
      if (fault && 'region' in fault) expect(() => resolveRegion(fault.region, config)).not.toThrow();
    }
    expect(drill.steadyStateHypothesis.probes.length).toBeGreaterThan(0);
  });

  it('GIVEN the safety drills WHEN loaded THEN they expect no failover and a page', () => {
    for (const file of ['automation-disabled.yaml', 'both-regions-unhealthy.yaml']) {
      expect(loadDrill(join(CATALOGUE, file)).expectations).toMatchObject({
        outcome: 'no-failover-page',
        maxFailovers: 0,
      });
    }
    expect(loadDrill(join(CATALOGUE, 'flapping-alarm.yaml')).expectations).toMatchObject({ maxFailovers: 1 });
  });
});

describe('drill JSON Schema', () => {
  it('GIVEN the zod schema WHEN the JSON Schema is generated THEN the published file is up to date (npx tsx chaos/drill/json-schema.ts)', () => {
    // Compared as data: the formatter may lay the published file out differently.
    expect(JSON.parse(readFileSync(DRILL_JSON_SCHEMA_FILE, 'utf8'))).toEqual(JSON.parse(drillJsonSchemaText()));
  });
});

describe('invalid drill files', () => {
  const errorOf = (text: string) => {
    try {
      parseDrill(text, 'bad.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(DocumentError);
      return (err as DocumentError).message;
    }
    throw new Error('expected a DocumentError');
  };

  it('GIVEN an unknown fault kind WHEN parsed THEN the error names the line and the field', () => {
    const message = errorOf(minimal.replace('kind: region-outage', 'kind: region-explodes'));
    expect(message).toMatch(/line 10, method\.0\.fault\.kind/);
  });

  it('GIVEN a misspelt field WHEN parsed THEN the error says which field is unknown', () => {
    expect(errorOf(`${minimal}rollbaks: []\n`)).toMatch(/unknown field\(s\) "rollbaks"/);
  });

  it('GIVEN a bad duration WHEN parsed THEN the error shows the value and the expected form', () => {
    const message = errorOf(
      minimal.replace(
        'fault: { kind: region-outage, region: primary }',
        'fault: { kind: region-outage, region: primary }\n    duration: 20 seconds',
      ),
    );
    expect(message).toMatch(/method\.0\.duration/);
    expect(message).toMatch(/"20 seconds"/);
  });

  it('GIVEN a Region display name WHEN parsed THEN the error asks for a role or a Region code', () => {
    expect(errorOf(minimal.replace('region: primary', 'region: "US East"'))).toMatch(
      /"primary", "secondary" or a Region code/,
    );
  });

  it('GIVEN an RTO with a no-failover outcome WHEN parsed THEN the contradiction is refused', () => {
    expect(errorOf(minimal.replace('outcome: failover', 'outcome: no-failover\n  rto: 10s'))).toMatch(
      /an RTO needs a failover/,
    );
  });

  it('GIVEN two steps with one name WHEN parsed THEN the duplicate is named', () => {
    const text = minimal.replace('expectations:', '  - type: wait\n    name: outage\n    timeout: 1s\nexpectations:');
    expect(errorOf(text)).toMatch(/step name "outage" is already used by step 1/);
  });

  it('GIVEN a missing file WHEN loaded THEN the error says to check the path', () => {
    expect(() => loadDrill('/nonexistent/drill.yaml')).toThrow(/cannot read the file \(ENOENT\): check the path/);
  });

  it('GIVEN a minimal drill WHEN parsed THEN defaults fill in target, traffic and every rollback', () => {
    const drill = parseDrill(minimal);
    expect(drill.target).toBe('local');
    expect(drill.rollbacks.map((r) => r.type)).toEqual([
      'clear-faults',
      'resume-replication',
      'enable-automation',
      'failback',
    ]);
  });

  it('GIVEN an unknown Region code WHEN resolved THEN the error names the Regions that exist', () => {
    expect(() => resolveRegion('eu-west-1', loadConfig())).toThrow(/unknown Region "eu-west-1"/);
  });
});

describe('durations', () => {
  it('GIVEN any number of milliseconds WHEN written as "<n>ms", "<n/1000>s" or per target THEN all read the same', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (ms) => {
        expect(durationMs(`${ms}ms`, 'local')).toBe(ms);
        expect(durationMs(`${ms / 1000}s`, 'aws')).toBe(ms);
        expect(durationMs({ local: `${ms}ms`, aws: '1h' }, 'local')).toBe(ms);
        expect(durationMs({ local: `${ms}ms`, aws: '1h' }, 'aws')).toBe(3_600_000);
      }),
    );
  });

  it('GIVEN a number WHEN read THEN it is seconds', () => {
    expect(durationMs(2.5, 'local')).toBe(2500);
    expect(durationMs('2m', 'local')).toBe(120_000);
  });
});

describe('bad drill files are refused with file, line and field', () => {
  const config = loadConfig();
  const issues = (text: string) => {
    try {
      parseDrill(text, 'bad.yaml', config);
    } catch (err) {
      if (err instanceof DocumentError) return err.message;
      throw err;
    }
    return 'accepted';
  };

  it('GIVEN a duplicate key WHEN parsed THEN the error names its line', () => {
    expect(issues(`title: a\n${minimal.trimStart()}`)).toMatch(
      /bad\.yaml is not valid[\s\S]*line 2, \(top level\): duplicate key/,
    );
  });

  it('GIVEN a YAML syntax error WHEN parsed THEN the error names its line', () => {
    expect(issues('title: t\nmethod: [ {\n  a: b\n')).toMatch(/line \d+, \(top level\): not valid YAML/);
  });

  it('GIVEN a well-formed but unknown Region WHEN parsed with the configuration THEN the field, line and value are named', () => {
    const text = minimal.replace('region: primary', 'region: eu-west-3');
    expect(text).not.toBe(minimal);
    const line = text.split('\n').findIndex((l) => l.includes('eu-west-3')) + 1;
    expect(issues(text)).toContain(
      `line ${line}, method.0.fault.region: unknown Region: use primary, secondary, us-east-1 or us-west-2 (got "eu-west-3")`,
    );
  });

  it('GIVEN a duration beyond 12 h (max-duration: 1e12) WHEN parsed THEN it is refused with its line', () => {
    const text = `${minimal}stopConditions:\n  - { type: max-duration, duration: 1000000000000 }\n`;
    expect(issues(text)).toMatch(/line \d+, stopConditions\.0\.duration: a duration must be at most 43200 s \(12 h\)/);
    expect(issues(`${minimal}stopConditions:\n  - { type: max-duration, duration: 13h }\n`)).toMatch(/at most 12h/);
    expect(issues(`${minimal}stopConditions:\n  - { type: max-duration, duration: 12h }\n`)).toBe('accepted');
  });
});
