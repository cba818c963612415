import type { RegionFlipConfig } from '../../failover/config/schema';

/**
 * Every timing and parameter of the local two-Region environment, in one place. The project configuration
 * (infra/config/regionflip.yaml) stays the source of tenants, names and thresholds; the profile compresses its timings
 * from minutes to seconds so a full drill takes about a minute, and sets what only the local models have (load
 * balancer health checks, replication lag, Lambda retry delays, traffic).
 *
 * The floor of the Region-outage RTO is roughly:
 *   health check (unhealthyThreshold × intervalMs) + datapointsToAlarm × period + evaluationDelayMs
 *   + delivery + switch + DNS TTL.
 */
export interface LocalProfile {
  /** Overrides config.detection: CloudWatch semantics, compressed periods. */
  readonly detection: {
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly treatMissingData: RegionFlipConfig['detection']['treatMissingData'];
    /**
     * The 5xx rate's minimum-traffic guard per (compressed) period. AWS default: 50 requests per 60 s (≈ 0.8/s);
     * local traffic is `traffic.requestsPerSecondPerTenant` per tenant in 1 s periods, so the guard scales down with it.
     */
    readonly minRequestsPerPeriod: number;
  };
  /** Overrides config.dns.ttlSeconds: how long DnsClients cache an answer. */
  readonly dnsTtlSeconds: number;
  /**
   * How long a Route 53 change stays PENDING and unanswered by the local resolvers (route53-propagation.ts): R3's
   * "generally within 60 seconds", compressed as the alarm period is (60 s → `detection.periodSeconds`).
   */
  readonly route53PropagationMs: number;
  /** The switch's first wait between GetChange polls (1 s on AWS against ~60 s of propagation), compressed with it. */
  readonly route53InSyncPollMs: number;
  /** Overrides parts of config.policy so a drill sees cooldowns and health windows in seconds. */
  readonly policy: Pick<
    RegionFlipConfig['policy'],
    'cooldownSeconds' | 'targetHealthySeconds' | 'leaseSeconds' | 'windowSeconds'
  >;
  /** The load balancer model in front of each Region's tenant service (chaos/env/load-balancer.ts). */
  readonly loadBalancer: {
    readonly healthCheckIntervalMs: number;
    readonly healthCheckTimeoutMs: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
    /** A target that does not answer within this long gets an ELB 504. */
    readonly targetTimeoutMs: number;
    /** Metrics of a period are published this long after the period ends. */
    readonly publishDelayMs: number;
  };
  /**
   * The outside-in probes (chaos/env/prober.ts): one run per period like a canary on rate(1 minute); a run that gets no
   * answer within this long fails (a canary's run timeout: 3–840 s, S2 in aws-facts.md; compressed).
   */
  readonly prober: { readonly timeoutMs: number };
  /** The alarm evaluator (chaos/env/alarm-evaluator.ts) runs once per period, this long after the period ends. */
  readonly evaluationDelayMs: number;
  readonly replication: {
    /** Each replicated write is applied this long after the stream showed it (global tables: typically ~1 s). */
    readonly lagMs: number;
    readonly pollMs: number;
  };
  /** SNS → Lambda async invocation: delays before the two retries after a handler error. */
  readonly deliveryRetryDelaysMs: readonly [number, number];
  /**
   * SNS standard topics deliver at least once (SNS2, L1 in /work/shared/aws-facts.md; no rate documented): each alarm
   * notification is delivered `copies` more times, `delayMs` apart, with the same MessageId (sns-delivery.ts).
   */
  readonly snsDuplicates: { readonly copies: number; readonly delayMs: number };
  /**
   * The reconciler: the failover handler invoked with EventBridge's scheduled event (every minute on AWS), compressed.
   * It converges split or unfinished routing and re-evaluates a page that could become a failover.
   */
  readonly reconcileIntervalMs: number;
  /** How long the failover handler waits for a switch lease held by another caller before failing (then retried). */
  readonly handlerLeaseWaitMs: number;
  /** Synthetic traffic for drills (chaos/drill): per tenant, and the share of writes. */
  readonly traffic: {
    readonly requestsPerSecondPerTenant: number;
    readonly writeShare: number;
    readonly requestTimeoutMs: number;
  };
  /** How long to wait for a process (moto, tenant service) to answer at start. */
  readonly startTimeoutMs: number;
}

export const LOCAL_PROFILE: LocalProfile = {
  detection: {
    periodSeconds: 1,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: 'missing',
    minRequestsPerPeriod: 2,
  },
  dnsTtlSeconds: 2,
  route53PropagationMs: 1000,
  route53InSyncPollMs: 50,
  policy: { cooldownSeconds: 30, targetHealthySeconds: 2, leaseSeconds: 10, windowSeconds: 600 },
  loadBalancer: {
    healthCheckIntervalMs: 300,
    healthCheckTimeoutMs: 250,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    targetTimeoutMs: 5000,
    publishDelayMs: 50,
  },
  prober: { timeoutMs: 500 },
  evaluationDelayMs: 300,
  replication: { lagMs: 250, pollMs: 100 },
  deliveryRetryDelaysMs: [300, 600],
  snsDuplicates: { copies: 1, delayMs: 150 },
  handlerLeaseWaitMs: 5000,
  reconcileIntervalMs: 20000,
  traffic: { requestsPerSecondPerTenant: 4, writeShare: 0.3, requestTimeoutMs: 2000 },
  startTimeoutMs: 20_000,
};

/** The project configuration with the profile's compressed timings applied (tenants, names, thresholds unchanged). */
export function applyLocalProfile(config: RegionFlipConfig, profile: LocalProfile = LOCAL_PROFILE): RegionFlipConfig {
  return {
    ...config,
    dns: { ...config.dns, ttlSeconds: profile.dnsTtlSeconds },
    policy: { ...config.policy, ...profile.policy },
    detection: {
      ...config.detection,
      periodSeconds: profile.detection.periodSeconds,
      evaluationPeriods: profile.detection.evaluationPeriods,
      datapointsToAlarm: profile.detection.datapointsToAlarm,
      treatMissingData: profile.detection.treatMissingData,
      thresholds: { ...config.detection.thresholds, minRequestsPerPeriod: profile.detection.minRequestsPerPeriod },
    },
  };
}
