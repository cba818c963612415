import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CombinedLog, type CombinedLogLine, forwardingLogger } from '../../chaos/env/combined-log';

const read = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CombinedLogLine);
const at = (ms: number) => new Date(1_800_000_000_000 + ms).toISOString();

describe('combined local log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'combined-log-'));

  it('GIVEN lines from a followed service file (the last one cut off) and in-process components WHEN stopped THEN the file is one timeline with every line, region and component kept', async () => {
    const service = join(dir, 'svc-east.log');
    writeFileSync(service, '');
    const now = 1_800_000_010_000;
    const log = new CombinedLog({ file: join(dir, 'combined-1.jsonl'), graceMs: 1000, now: () => now });
    log.follow(service, { component: 'tenant-service', region: 'us-east-1' });
    log.write({ time: at(3000), component: 'cloudwatch', region: 'us-west-2', level: 'info', msg: 'alarm-state' });
    appendFileSync(service, `${JSON.stringify({ time: at(1000), level: 'info', msg: 'request', tenantId: 'acme' })}\n`);
    // A partial line: the rest is written later, as a process's stdout reaches the file in pieces.
    appendFileSync(service, `{"time":"${at(2000)}","level":"error",`);
    await log.stop();
    const lines = read(log.file);
    expect(lines.map((l) => [l.time, l.component, l.region, l.msg])).toEqual([
      [at(1000), 'tenant-service', 'us-east-1', 'request'],
      [at(3000), 'cloudwatch', 'us-west-2', 'alarm-state'],
      // The process stopped mid-line: what it wrote is kept as text, not dropped.
      [at(10000), 'tenant-service', 'us-east-1', `{"time":"${at(2000)}","level":"error",`],
    ]);
    expect(lines[0]).toMatchObject({ tenantId: 'acme' });
  });

  it('GIVEN a line read after a later line was already written WHEN stopped THEN the finished file is still in time order', async () => {
    const service = join(dir, 'svc-west.log');
    writeFileSync(service, 'not json: a runtime warning\n');
    let now = 1_800_000_000_000 + 10_000;
    const log = new CombinedLog({ file: join(dir, 'combined-2.jsonl'), graceMs: 0, flushMs: 5, now: () => now });
    log.follow(service, { component: 'tenant-service', region: 'us-west-2' });
    log.start();
    log.write({ time: at(5000), component: 'sns', level: 'info', msg: 'notification-delivered' });
    await new Promise((r) => setTimeout(r, 50)); // flushed: the 5 s line is in the file
    expect(read(log.file).map((l) => l.msg)).toContain('notification-delivered');
    appendFileSync(service, `${JSON.stringify({ time: at(4000), level: 'info', msg: 'request' })}\n`);
    now += 1;
    await log.stop();
    const lines = read(log.file);
    expect(lines.map((l) => l.msg)).toEqual(['request', 'notification-delivered', 'not json: a runtime warning']);
    const times = lines.map((l) => Date.parse(l.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('GIVEN the handler logger at console level WARN WHEN it and a child log INFO and WARN THEN every line is forwarded and only WARN reaches the console', () => {
    const forwarded: CombinedLogLine[] = [];
    const printed: string[] = [];
    const capture = (chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      const logger = forwardingLogger({ serviceName: 'rf-failover' }, 'WARN', (l) => forwarded.push(l));
      logger.info('reconciled', { decision: 'noop' });
      logger.createChild({ persistentKeys: { messageId: 'm-1' } }).warn('alarm notification rejected');
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(forwarded.map((l) => [l.component, l.level, l.msg])).toEqual([
      ['failover-handler', 'info', 'reconciled'],
      ['failover-handler', 'warn', 'alarm notification rejected'],
    ]);
    expect(forwarded[1]).toMatchObject({ messageId: 'm-1', service: 'rf-failover' });
    expect(printed.join('')).toContain('alarm notification rejected');
    expect(printed.join('')).not.toContain('reconciled');
  });
});
