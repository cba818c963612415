import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { SDK_NODE_WARNING_SWITCH } from '../../failover/aws/node-support';
import type { ServiceFault } from '../../infra/tenant-service/fault';
import type { TokenPolicy } from '../../infra/tenant-service/token';
import { ENV_STATE_DIR, isAlive, killGroup } from './env-state';
import { freePort } from './moto-server';

/**
 * One tenant-service process per Region, on 127.0.0.1: the same entry point (infra/tenant-service/main.ts) the ECS
 * image runs, bundled with esbuild (as for the image) and run with node, in its own process group so that stop()
 * and `env down` can kill it and anything it started. Its JSON logs go to .cache/env/logs/.
 */

const ENTRY = resolve(__dirname, '../../infra/tenant-service/main.ts');
const BUNDLE = join(ENV_STATE_DIR, 'tenant-service.cjs');

let bundled: Promise<string> | undefined;

/** Bundles the service once per process (esbuild takes well under a second). */
export function bundleTenantService(): Promise<string> {
  bundled ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: BUNDLE,
    logLevel: 'error',
  }).then(() => BUNDLE);
  return bundled;
}

export interface ServiceProcessOptions {
  readonly region: string;
  readonly tableName: string;
  readonly awsEndpoint: string;
  /** The local issuer's policy and JWKS (chaos/env/identity.ts): the service verifies as it does on AWS. */
  readonly token: TokenPolicy & { readonly jwksUrl: string };
  readonly adminToken: string;
  readonly fault?: ServiceFault;
  readonly logFile: string;
  readonly startTimeoutMs: number;
}

export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startServiceProcess(opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const bundle = await bundleTenantService();
  const port = await freePort();
  mkdirSync(resolve(opts.logFile, '..'), { recursive: true });
  const log = openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, [bundle], {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH,
      [SDK_NODE_WARNING_SWITCH]: 'true',
      PORT: String(port),
      HOST: '127.0.0.1',
      AWS_REGION: opts.region,
      TENANT_DATA_TABLE: opts.tableName,
      REGIONFLIP_AWS_ENDPOINT: opts.awsEndpoint,
      TOKEN_ISSUER: opts.token.issuer,
      TOKEN_AUDIENCE: opts.token.audience,
      TOKEN_JWKS_URL: opts.token.jwksUrl,
      TOKEN_MAX_LIFETIME_SECONDS: String(opts.token.maxLifetimeSeconds),
      ADMIN_TOKEN: opts.adminToken,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ...(opts.fault ? { SERVICE_FAULT: JSON.stringify(opts.fault) } : {}),
    },
  });
  closeSync(log);
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
    // The service itself is gone; anything it started in its group goes too.
    if (isAlive(pid)) killGroup(pid, 'SIGKILL');
  };
  const deadline = Date.now() + opts.startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`tenant service for ${opts.region} exited with ${child.exitCode}: see ${opts.logFile}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `tenant service for ${opts.region} did not answer on ${url} within ${opts.startTimeoutMs} ms: see ${opts.logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid, url, stop };
}
