import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LocalLoadBalancer } from '../../chaos/env/load-balancer';
import { LOCAL_PROFILE } from '../../chaos/env/local-profile';
import { clientConfig } from '../../failover/aws/clients';
import { motoTarget, uniqueName } from '../support/moto';

describe('load balancer model', () => {
  const cloudwatch = new CloudWatchClient(clientConfig('us-west-2', motoTarget()));
  const name = uniqueName('lb');
  const ref = { loadBalancerFullName: `app/${name}/1`, targetGroupFullNames: [`targetgroup/${name}/1`] };
  let target: Server;
  let lb: LocalLoadBalancer;

  beforeAll(async () => {
    target = createServer((req, res) => {
      res.writeHead(req.url === '/fail' ? 500 : 200).end('{}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    lb = new LocalLoadBalancer({
      region: 'us-west-2',
      targetUrl: `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
      ref,
      cloudwatch,
      periodSeconds: 1,
      settings: { ...LOCAL_PROFILE.loadBalancer, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 100 },
    });
    await lb.start();
  });
  afterAll(async () => {
    await lb.stop();
    if (target.listening) await new Promise((r) => target.close(r));
    cloudwatch.destroy();
  });

  const sumOf = async (metricName: string, stat: string, dims: Record<string, string>) => {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 60_000),
        EndTime: new Date(Date.now() + 1000),
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: metricName,
                Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: 60,
              Stat: stat,
            },
          },
        ],
      }),
    );
    return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
  };
  const lbDims = { LoadBalancer: ref.loadBalancerFullName };
  const tgDims = { ...lbDims, TargetGroup: ref.targetGroupFullNames[0]! };
  /** Published once the period ends (plus the publish delay): poll rather than guess the moment. */
  const published = async (metricName: string, stat: string, dims: Record<string, string>, atLeast: number) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const value = await sumOf(metricName, stat, dims);
      if (value >= atLeast || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('GIVEN requests through the load balancer WHEN the period ends THEN counts, target 5xx and response times are in CloudWatch', async () => {
    for (const path of ['/a', '/b', '/c', '/fail', '/fail']) {
      const res = await fetch(`${lb.url}${path}`);
      await res.text();
    }
    expect(await published('RequestCount', 'Sum', lbDims, 5)).toBe(5);
    expect(await sumOf('HTTPCode_Target_5XX_Count', 'Sum', lbDims)).toBe(2);
    expect(await sumOf('TargetResponseTime', 'SampleCount', lbDims)).toBe(5);
    expect(await sumOf('UnHealthyHostCount', 'Maximum', tgDims)).toBe(0);
  });

  it('GIVEN the target goes down WHEN health checks fail THEN the target is unhealthy, requests get ELB 502s, and both are published', async () => {
    target.closeAllConnections();
    await new Promise((r) => target.close(r));
    const deadline = Date.now() + 5000;
    while (lb.targetHealthy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lb.targetHealthy).toBe(false);
    const res = await fetch(`${lb.url}/orders`);
    expect(res.status).toBe(502);
    expect(await published('HTTPCode_ELB_5XX_Count', 'Sum', lbDims, 1)).toBe(1);
    expect(await sumOf('UnHealthyHostCount', 'Maximum', tgDims)).toBeGreaterThanOrEqual(1);
  });
});
