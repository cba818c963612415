import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEnvState } from '../../chaos/env/env-state';
import { localEnvironmentConnection } from '../../chaos/env/runbook-deployment';
import type { EnvConnection } from '../../chaos/env/types';

/** A recorded, running environment (its runner is this process, so it counts as alive). */
function recordEnvironment(dir: string, id: string, startedAt: string): void {
  const connection = { motoEndpoint: `http://127.0.0.1/${id}` } as unknown as EnvConnection;
  writeEnvState({ id, runnerPid: process.pid, startedAt, processes: [], connection }, dir);
}

describe('which local environment the runbook commands act on', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regionflip-connect-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN one running environment WHEN connecting THEN it is used', () => {
    recordEnvironment(dir, 'env-a', '2026-01-01T00:00:00.000Z');
    expect(localEnvironmentConnection(dir, undefined).connection.motoEndpoint).toBe('http://127.0.0.1/env-a');
  });

  it('GIVEN two running environments WHEN connecting without REGIONFLIP_ENV_ID THEN it refuses to guess and names both', () => {
    recordEnvironment(dir, 'env-a', '2026-01-01T00:00:00.000Z');
    recordEnvironment(dir, 'env-b', '2026-01-01T00:01:00.000Z');
    expect(() => localEnvironmentConnection(dir, undefined)).toThrow(
      /2 local environments are running: env-b .*env-a .*REGIONFLIP_ENV_ID=<id>/,
    );
  });

  it('GIVEN two running environments WHEN REGIONFLIP_ENV_ID names one THEN that one is used; an unknown id is named', () => {
    recordEnvironment(dir, 'env-a', '2026-01-01T00:00:00.000Z');
    recordEnvironment(dir, 'env-b', '2026-01-01T00:01:00.000Z');
    expect(localEnvironmentConnection(dir, 'env-a').connection.motoEndpoint).toBe('http://127.0.0.1/env-a');
    expect(() => localEnvironmentConnection(dir, 'env-c')).toThrow(
      'REGIONFLIP_ENV_ID="env-c" is not a running local environment; running: env-b',
    );
  });

  it('GIVEN none running WHEN connecting THEN the error says how to start one', () => {
    expect(() => localEnvironmentConnection(dir, undefined)).toThrow('start one with `npm run -s cli -- env up`');
  });
});
