import type { Route53Client } from '@aws-sdk/client-route-53';

/**
 * What the runbook commands need from a deployment that the failover adapters do not already give them: finding the
 * deployment, resolving tenant names through its DNS, and reading what on-call received. The local environment
 * (chaos/env/runbook-deployment.ts) and AWS (runbooks/aws-deployment.ts) implement them; the CLI's composition root
 * (failover/cli/program.ts) wires them, so runbooks/ never imports an environment.
 */

/** One DNS answer for a tenant name. */
export interface NameAnswer {
  /** The names followed, first the one asked. */
  readonly chain: readonly string[];
  /** The Region whose endpoint the chain ends at, when the names say so. */
  readonly region?: string;
  /** Where to send HTTP for this name. */
  readonly url: string;
}

/** Resolves tenant names through the deployment's DNS. A new resolver starts with an empty cache. */
export interface TenantResolver {
  resolve(name: string): Promise<NameAnswer>;
}

/** One message on-call received from the on-call topic. */
export interface OncallMessage {
  readonly at: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
}

/**
 * What on-call received. `messages` is present only where they can be read back (locally); otherwise `where` says
 * where they went (the topic's subscriptions) and so where to look.
 */
export interface OncallReceived {
  readonly where: readonly string[];
  readonly messages?: readonly OncallMessage[];
}

export interface OncallInbox {
  received(): Promise<OncallReceived>;
}

/** One subscription of the on-call topic: where its pages go. */
export interface OncallDestination {
  readonly protocol: string;
  readonly endpoint: string;
  /** False while the subscription waits for its confirmation: SNS delivers nothing to it until then. */
  readonly confirmed: boolean;
}

/** The on-call topic and every place it delivers to, as SNS reports them (ListSubscriptionsByTopic). */
export interface OncallRoute {
  readonly topicArn: string;
  readonly destinations: readonly OncallDestination[];
}

export interface OncallRouteReader {
  read(): Promise<OncallRoute>;
}

/** Replication lag of the tenant data table from one Region's replica into the other's. */
export interface ReplicationLagSample {
  readonly sourceRegion: string;
  readonly receivingRegion: string;
  /** Undefined when there is no figure (no datapoint in the window asked, or the model did not answer: `detail`). */
  readonly lagMs?: number;
  /** When the figure was measured (the datapoint's time on AWS; the moment asked, locally). */
  readonly at?: string;
  /** Why there is no figure, or where it comes from. */
  readonly detail?: string;
}

/**
 * Reads replication lag per direction: locally from the environment's replication model, on AWS from CloudWatch's
 * `ReplicationLatency` of the global table (per source and receiving Region).
 */
export interface ReplicationLagReader {
  read(now: Date): Promise<readonly ReplicationLagSample[]>;
}

/** A running local deployment, as the runbook commands reach it. */
export interface LocalDeployment {
  readonly id: string;
  readonly motoEndpoint: string;
  readonly hostedZoneId: string;
  /** Its configuration (local profile applied), validated again by the caller like any other. */
  readonly config: unknown;
  /** A resolver over the deployment's DNS model, reading the Route 53 records through `route53`. */
  resolver(route53: Route53Client): TenantResolver;
  readonly inbox: OncallInbox;
  /** Replication lag from the environment's replication model (it runs in the `env up` process). */
  readonly replicationLag: ReplicationLagReader;
}

/** Finds the running local deployment, or throws an error that says how to start one. */
export type LocalDeploymentLocator = () => LocalDeployment;

/** The last drill run from this checkout, as its journal records it. */
export interface LastDrill {
  readonly title: string;
  readonly file: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  /**
   * `running` while it runs; then `passed` or `failed` (an expectation failed, it deviated, or it stopped early);
   * `unreadable` when the journal recorded as the last one cannot be read (`title` then says why).
   */
  readonly verdict: 'running' | 'passed' | 'failed' | 'unreadable';
  readonly journal: string;
}

/** Reads the last drill's journal; undefined when no drill has run here. */
export type LastDrillReader = () => LastDrill | undefined;

/** Everything a runbook command reaches outside runbooks/ and failover/, wired by the CLI's composition root. */
export interface RunbookPorts {
  readonly locateLocal: LocalDeploymentLocator;
  readonly lastDrill: LastDrillReader;
}
