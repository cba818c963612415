import type { LocalDeployment, OncallMessage, ReplicationLagReader, ReplicationLagSample } from '../../runbooks/ports';
import { Route53DnsClient } from './dns';
import { ENV_STATE_DIR, type EnvState, isAlive, readEnvStates } from './env-state';
import type { ReplicationView } from './replication-endpoint';
import type { EnvConnection } from './types';

/**
 * The runbook ports (runbooks/ports.ts) for the local two-Region environment: found through the state file a running
 * environment writes, its DNS answered by the environment's DNS model, its on-call messages read from its inbox.
 */

/** Where running local environments describe themselves. REGIONFLIP_ENV_STATE_DIR overrides it (tests). */
export function envStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGIONFLIP_ENV_STATE_DIR || ENV_STATE_DIR;
}

/**
 * How to reach the running local environment, or an error saying how to start one. With several running (an `env up`
 * next to a drill or a test run), the commands refuse to guess which one to change: REGIONFLIP_ENV_ID picks one.
 */
export function localEnvironmentConnection(
  dir: string = envStateDir(),
  wanted: string | undefined = process.env.REGIONFLIP_ENV_ID,
): EnvState & { connection: EnvConnection } {
  const running = readEnvStates(dir)
    .filter((s): s is EnvState & { connection: EnvConnection } => s.connection !== undefined && isAlive(s.runnerPid))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (running.length === 0) {
    throw new Error(
      `no local environment is running (none recorded in ${dir}): start one with \`npm run -s cli -- env up\` ` +
        '(and leave it running), or use --target aws',
    );
  }
  const list = running.map((s) => `${s.id} (started ${s.startedAt})`).join(', ');
  if (wanted) {
    const chosen = running.find((s) => s.id === wanted);
    if (!chosen) throw new Error(`REGIONFLIP_ENV_ID="${wanted}" is not a running local environment; running: ${list}`);
    return chosen;
  }
  if (running.length > 1) {
    throw new Error(
      `${running.length} local environments are running: ${list}. Choose the one to act on with ` +
        'REGIONFLIP_ENV_ID=<id> (`env up` prints its id), or stop the others',
    );
  }
  return running[0]!;
}

/** The running local environment as a runbook deployment (the CLI's locator for `--target local`). */
export function localDeployment(): LocalDeployment {
  const { id, connection } = localEnvironmentConnection();
  const loadBalancerUrl = (region: string) => connection.regions[region]?.loadBalancerUrl;
  return {
    id,
    motoEndpoint: connection.motoEndpoint,
    hostedZoneId: connection.hostedZoneId,
    config: connection.config,
    resolver: (route53) => new Route53DnsClient({ route53, hostedZoneId: connection.hostedZoneId, loadBalancerUrl }),
    inbox: {
      async received() {
        // A state file written by an environment of an older checkout has no inbox: say so rather than fetch "undefined".
        if (!connection.oncallInboxUrl) {
          throw new Error(
            `local environment ${id} records no on-call inbox (started by an older version): restart it with \`env down\` and \`env up\``,
          );
        }
        const url = `${connection.oncallInboxUrl}/messages`;
        const res = await fetch(url);
        if (!res.ok) throw new Error(`the local on-call inbox ${url} answered ${res.status}`);
        return {
          where: [`the local on-call inbox of environment ${id} (${connection.oncallInboxUrl})`],
          messages: (await res.json()) as OncallMessage[],
        };
      },
    },
    replicationLag: localReplicationLag(id, connection),
  };
}

/** The replication model's lag, read from the environment that runs it (chaos/env/replication-endpoint.ts). */
export function localReplicationLag(id: string, connection: EnvConnection): ReplicationLagReader {
  return {
    async read(): Promise<readonly ReplicationLagSample[]> {
      if (!connection.replicationUrl) {
        throw new Error(
          `local environment ${id} does not share its replication model (started by an older version): restart it with \`env down\` and \`env up\``,
        );
      }
      const url = `${connection.replicationUrl}/replication`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`the local replication model ${url} answered ${res.status}`);
      const view = (await res.json()) as ReplicationView;
      return view.directions.map((d) => ({
        sourceRegion: d.from,
        receivingRegion: d.to,
        lagMs: d.lagMs,
        at: view.at,
        // The model's own state: the age of the oldest write not applied yet, and why it may be growing.
        detail: d.halted
          ? 'halted by a Region outage (the writes of the down Region are not read)'
          : view.paused
            ? 'replication paused'
            : "the environment's replication model",
      }));
    },
  };
}
