import type { AwsClients } from '../../failover/aws/clients';
import type { RegionFlipConfig, Tier } from '../../failover/config/schema';
import type { ServiceFault } from '../../infra/tenant-service/fault';
import type { LocalProfile } from './local-profile';

/**
 * The contract between the local two-Region environment (chaos/env) and its users: the drill runner, the runbook
 * commands and the tests. The environment owns the processes; users inject faults and read events through this.
 *
 * Start one with `startLocalEnvironment(opts)` (chaos/env/environment.ts); always `stop()` it (also on errors).
 * Processes are recorded in .cache/env/<id>.json; `cleanupEnvironments()` (chaos/env/env-state.ts) kills leftovers of
 * a crashed runner — `regionflip env down` and `drill rollback` call it.
 *
 * How traffic flows: client → `dnsClient().resolve('<tenant>.<zone>')` (Route 53 records in moto, TTL-cached) →
 * `answer.url` = the Region's load balancer model → the Region's tenant service. Send tenant requests to
 * `answer.url` with `Authorization: Bearer ${env.tenantToken(tenantId)}` and, for writes, an `x-write-seq` header;
 * every response carries `x-served-by-region`. The load balancer publishes AWS/ApplicationELB metrics that the alarm
 * evaluator reads back from moto, so traffic and health checks drive the alarms exactly as in AWS.
 */

/** Something the environment saw happen, with the time it happened (ms since epoch). The drill builds RTO from these. */
export type EnvEvent =
  | { readonly at: number; readonly type: 'fault-set'; readonly region: string; readonly fault: ServiceFault }
  | {
      readonly at: number;
      readonly type: 'alarm-state';
      readonly region: string;
      readonly alarm: string;
      readonly state: string;
      readonly composite: boolean;
    }
  | {
      readonly at: number;
      readonly type: 'notification-published';
      readonly region: string;
      readonly alarm: string;
      readonly messageId: string;
    }
  | {
      readonly at: number;
      readonly type: 'notification-delivered';
      readonly messageId: string;
      readonly attempt: number;
    }
  | {
      readonly at: number;
      readonly type: 'handler-result';
      readonly messageId: string;
      readonly result: unknown;
      readonly error?: string;
    }
  | { readonly at: number; readonly type: 'replication'; readonly state: 'paused' | 'resumed'; readonly lagMs: number }
  | {
      readonly at: number;
      readonly type: 'region-state';
      readonly region: string;
      readonly state: 'down' | 'up';
      /** Going down: writes out of the Region already seen by replication but not yet applied in the peer. */
      readonly strandedWrites?: number;
    };

export interface DnsAnswer {
  /** The chain followed, first the asked name, last the load balancer name. */
  readonly chain: readonly string[];
  readonly region: string;
  /** Where to send HTTP for this name (the Region's tenant service on loopback). */
  readonly url: string;
  /** When this answer expires in the caller's cache (honours the TTLs of the records followed). */
  readonly expiresAt: number;
}

/** A DNS client with its own TTL cache, like one tenant's resolver. */
export interface DnsClient {
  resolve(name: string): Promise<DnsAnswer>;
}

export interface LocalRegion {
  readonly region: string;
  /** The tenant service of this Region, on 127.0.0.1 (direct: bypasses the load balancer and its metrics). */
  readonly serviceUrl: string;
  readonly servicePid: number;
  /** The Region's load balancer model: where DNS answers send clients (DnsAnswer.url). */
  readonly loadBalancerUrl: string;
}

export interface LocalEnvironment {
  /** The configuration with the local, compressed timings applied. */
  readonly config: RegionFlipConfig;
  /** Every local timing and parameter (chaos/env/local-profile.ts), e.g. traffic rates and the DNS TTL. */
  readonly profile: LocalProfile;
  /** The id of this environment's state file (.cache/env/<id>.json). */
  readonly id: string;
  /** The on-call topic (in the primary Region) the failover handler notifies. */
  readonly oncallTopicArn: string;
  /** An ID token from the environment's issuer (chaos/env/identity.ts) for a tenant of the config; valid 15 minutes. */
  tenantToken(tenantId: string, tier?: Tier): string;
  readonly motoEndpoint: string;
  readonly clients: AwsClients;
  readonly hostedZoneId: string;
  readonly regions: Readonly<Record<string, LocalRegion>>;
  /** A new resolver with an empty cache; `cacheAgeMs`: its first answers expire that much sooner (a client mid-TTL). */
  dnsClient(opts?: { readonly cacheAgeMs?: number }): DnsClient;
  /** Flips the tenant service's fault switch in a Region (through its admin endpoint); records a `fault-set` event. */
  setFault(region: string, fault: ServiceFault): Promise<void>;
  /**
   * The Region's load balancer goes dark (or comes back): connections dropped unanswered and no metrics published at
   * all, as when a whole Region is unreachable. Only the peer Region's probes see it. Recorded as a `fault-set` outage.
   */
  setLoadBalancerDark(region: string, dark: boolean): void;
  /**
   * The whole Region goes down (or comes back), as in a Region outage: its load balancer goes dark (no answers, no
   * metrics), its DynamoDB endpoint fails every call of `clients.dynamodb[region]` with a connection
   * error (its tenant service is unreachable behind the dark load balancer), replication out of and into it stops where it is, its alarm evaluation stops and its
   * SNS topics deliver nothing, and no canary runs from it. Only the peer Region's probe alarm can see it. Coming
   * back restarts all of it; replication then resumes from where it stopped. Recorded as a `region-state` event.
   */
  setRegionDown(region: string, down: boolean): Promise<void>;
  isRegionDown(region: string): boolean;
  /** The fault each Region's service has now (asked from the service itself). */
  faultOf(region: string): Promise<ServiceFault>;
  replication: {
    pause(): void;
    resume(): void;
    readonly paused: boolean;
    /** Changes the lag applied to writes seen from now on. */
    setLagMs(ms: number): void;
    /** How far behind the slowest direction is, in ms (0 when drained). */
    lagMs(): number;
  };
  /**
   * Stops delivering alarm notifications to the failover handler and waits for the invocations under way, so for any
   * switch they started. A drill calls it before rolling back, so its rollback cannot race its own switch.
   */
  stopNotificationDelivery(): Promise<void>;
  /** Everything seen so far, ordered by `at`; `since` filters by time (inclusive). */
  events(since?: number): readonly EnvEvent[];
  /**
   * This run's combined log (JSON lines, time-ordered once stopped): every component of both Regions in one timeline,
   * the local stand-in of the central log platform (chaos/env/combined-log.ts).
   */
  readonly combinedLogFile: string;
  /** Stops everything it started (processes, servers, timers) and removes its state file. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * How other commands (runbooks, `drill rollback`) reach a running local environment. It is recorded with the
 * environment's processes in its state file under .cache/env/ (chaos/env/env-state.ts), once everything is up.
 */
export interface EnvConnection {
  readonly motoEndpoint: string;
  readonly hostedZoneId: string;
  /** The configuration the environment runs, local profile applied. */
  readonly config: RegionFlipConfig;
  readonly regions: Readonly<
    Record<string, { readonly serviceUrl: string; readonly loadBalancerUrl: string; readonly servicePid: number }>
  >;
  /** The admin token of the services' fault switch. */
  readonly adminToken: string;
  /** `GET <url>/messages`: what the on-call topics delivered (chaos/env/oncall-inbox.ts). */
  readonly oncallInboxUrl: string;
  /** `GET <url>/replication`: the replication model's lag per direction (chaos/env/replication-endpoint.ts). */
  readonly replicationUrl: string;
}
