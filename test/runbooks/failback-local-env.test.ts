import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalEnvironment } from '../../chaos/env/environment';
import { localEnvironmentConnection, localReplicationLag } from '../../chaos/env/runbook-deployment';
import type { LocalEnvironment } from '../../chaos/env/types';
import { controlRegionOf, namesFor } from '../../failover/config/names';
import { systemClock } from '../../failover/switch/execute-switch';
import { SnsOncallRoute, SnsSubscriptionsInbox } from '../../runbooks/aws-deployment';
import { buildRunbookContext, type RunbookContext } from '../../runbooks/connect';
import { checkTargetHealthy } from '../../runbooks/prechecks';
import { DnsServedByProbe } from '../../runbooks/served-by-probe';
import { gatherStatus } from '../../runbooks/status';
import { runSwitchRunbook } from '../../runbooks/switch-runbook';
import { motoTarget } from '../support/moto';
import { PRIMARY, SECONDARY, testConfig } from './support/deployment';
import { failbackOptions } from './support/runbook-deps';

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The whole story on the local two-Region environment: an outage in the primary Region, the real alarm evaluation and
 * failover Lambda move traffic away; the outage ends; the failback runbook (real prechecks: alarms, sentinel through
 * the environment's replication, drill marker) brings every tenant home, verified through the environment's DNS.
 */
describe('failback after a failover on the local two-Region environment', () => {
  let env: LocalEnvironment;
  let ctx: RunbookContext;
  beforeAll(async () => {
    env = await startLocalEnvironment({ config: testConfig(), motoEndpoint: motoTarget().endpoint });
    const oncallRoute = new SnsOncallRoute(
      env.clients.sns[controlRegionOf(env.config)]!,
      async () => env.oncallTopicArn,
    );
    ctx = buildRunbookContext({
      target: 'local',
      config: env.config,
      clients: env.clients,
      hostedZoneId: env.hostedZoneId,
      controlRegion: controlRegionOf(env.config),
      oncallTopic: env.oncallTopicArn,
      probe: new DnsServedByProbe(() => env.dnsClient()),
      inbox: new SnsSubscriptionsInbox(oncallRoute),
      oncallRoute,
      // The environment's replication model, read as `status` reads it from another process.
      replicationLag: localReplicationLag(env.id, localEnvironmentConnection(undefined, env.id).connection),
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('GIVEN an outage that failed over to the secondary WHEN it ends and the failback runbook runs THEN every tenant is served by the primary again', async () => {
    const healthyLongEnough = (region: string) => async () => {
      const r = await checkTargetHealthy(ctx.health, region, env.config.policy.targetHealthySeconds, new Date());
      return r.ok ? true : undefined;
    };
    // The failover Lambda pages instead of moving traffic into a Region that was not healthy long enough.
    await waitFor('the secondary alarms to be OK long enough', 30_000, healthyLongEnough(SECONDARY));
    await env.setFault(PRIMARY, { kind: 'outage' });
    await waitFor('the automatic failover', 30_000, async () =>
      (await ctx.store.getRouting()).activeRegion === SECONDARY ? true : undefined,
    ).catch((err: Error) => {
      const seen = env.events().filter((e) => e.type !== 'replication');
      throw new Error(`${err.message}; environment events: ${JSON.stringify(seen).slice(0, 4000)}`);
    });
    await env.setFault(PRIMARY, { kind: 'none' });
    await waitFor('the primary alarms to be OK long enough', 30_000, healthyLongEnough(PRIMARY));

    const lines: string[] = [];
    const result = await runSwitchRunbook(
      {
        ...ctx,
        prompt: { ask: async () => '' },
        clock: systemClock,
        owner: 'runbook:test@local',
        out: (l) => lines.push(l),
        settings: {
          targetHealthySeconds: env.config.policy.targetHealthySeconds,
          replicationTimeoutMs: 10_000,
          maxReplicationLagMs: 5_000,
          verifyTimeoutMs: 10_000,
          maxResumeAgeMs: 60 * 60_000,
          verifyPollMs: 200,
        },
      },
      failbackOptions({ reason: 'outage over' }),
    );

    expect({ kind: result.kind, lines }).toMatchObject({ kind: 'done' });
    expect(
      lines.some((l) => l.startsWith('  ok    replication-drained  sentinel from us-west-2 seen in us-east-1')),
    ).toBe(true);
    if (result.kind === 'done') expect(result.probes.every((p) => p.servedBy === PRIMARY)).toBe(true);
    const status = await gatherStatus({
      config: env.config,
      route53: env.clients.route53,
      hostedZoneId: env.hostedZoneId,
      store: ctx.store,
      health: ctx.health,
      activeDrill: ctx.activeDrill,
      unfinishedRuns: () => ctx.progress.unfinished(),
      lastDrill: () => undefined,
      replicationLag: ctx.replicationLag,
      maxReplicationLagMs: 5000,
      oncallRoute: ctx.oncallRoute,
      now: new Date(),
    });
    expect(status.traffic.every((t) => t.region === PRIMARY)).toBe(true);
    // Replication flows both ways again, by the model's own figures; pages reach the local inbox.
    expect(
      status.replication.samples.map((r) => [r.sourceRegion, r.receivingRegion, r.lagMs! < 5000, r.detail]),
    ).toEqual([
      [PRIMARY, SECONDARY, true, "the environment's replication model"],
      [SECONDARY, PRIMARY, true, "the environment's replication model"],
    ]);
    expect(status.oncall.route?.destinations).toEqual([
      { protocol: 'http', endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/sns$/), confirmed: true },
    ]);
    expect(status.lastSwitches.map((e) => e.caller).slice(0, 2)).toEqual(['manual-failback', 'automatic-failover']);
  });

  it('GIVEN replication paused and a write in the primary WHEN status reads the model from its endpoint THEN the lag into the secondary grows past the threshold and is a problem', async () => {
    env.replication.pause();
    try {
      const writtenAt = Date.now();
      await env.clients.dynamodb[PRIMARY]!.send(
        new PutCommand({
          TableName: namesFor(env.config).dataTable,
          Item: { pk: 'acme', sk: `order#lag-${writtenAt}`, updatedAt: writtenAt, writeRegion: PRIMARY },
        }),
      );
      const reader = ctx.replicationLag;
      const behind = await waitFor('the model to see the write behind', 10_000, async () => {
        const samples = await reader.read(new Date());
        const lag = samples.find((r) => r.sourceRegion === PRIMARY)!;
        return lag.lagMs! > 500 ? samples : undefined;
      });
      expect(behind.map((r) => [r.sourceRegion, r.lagMs! > 500, r.detail])).toEqual([
        [PRIMARY, true, 'replication paused'],
        [SECONDARY, false, 'replication paused'],
      ]);
      const status = await gatherStatus({
        config: env.config,
        route53: env.clients.route53,
        hostedZoneId: env.hostedZoneId,
        store: ctx.store,
        health: ctx.health,
        activeDrill: ctx.activeDrill,
        unfinishedRuns: () => ctx.progress.unfinished(),
        lastDrill: () => undefined,
        replicationLag: reader,
        maxReplicationLagMs: 500,
        oncallRoute: ctx.oncallRoute,
        now: new Date(),
      });
      expect(status.problems).toContainEqual(
        expect.stringMatching(/^replication us-east-1 -> us-west-2 is \d+ ms behind \(more than 500 ms\): /),
      );
    } finally {
      env.replication.resume();
    }
  });
});
