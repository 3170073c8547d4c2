import { Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { mlflowCommand, mlflowHealthCheck } from '../../lib/infra/constructs/tracking-service';

describe('the MLflow server on the manager', () => {
  it('runs one gunicorn worker, so parallel trials never contend for the SQLite file ("database is locked")', () => {
    const cmd = mlflowCommand(5001, 'bucket-x');
    const i = cmd.indexOf('--workers');
    expect(i).toBeGreaterThan(0);
    expect(cmd[i + 1]).toBe('1');
    expect(cmd).toContain('sqlite:////data/mlflow.db');
    expect(cmd.slice(cmd.indexOf('--artifacts-destination'), cmd.indexOf('--artifacts-destination') + 2)).toEqual(['--artifacts-destination', 's3://bucket-x/artifacts']);
  });

  it('health check: /health with a timeout, and a start period that covers the first database migration', () => {
    const h = mlflowHealthCheck(5001);
    expect(h.command).toEqual(['CMD-SHELL', `python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5001/health', timeout=4)"`]);
    const stack = new Stack();
    const seconds = (d: Duration | undefined) => (d ? stack.resolve(d.toSeconds()) : undefined);
    expect(seconds(h.startPeriod)).toBeGreaterThanOrEqual(60);
    expect(seconds(h.timeout)).toBeGreaterThan(4);
    expect(h.retries).toBeGreaterThanOrEqual(2);
  });
});
