import { portForwardCommand } from '../../../providers/aws/session';

/** What `dojo ui` prints when it cannot (or should not) start the session itself. */
export function formatUiCommand(t: { instanceId: string; region: string; port: number }, localPort: number, missing?: string): string[] {
  const lines = [portForwardCommand(t.instanceId, t.region, t.port, localPort)];
  if (missing) lines.unshift(`# ${missing} is not installed: run this where it is, then open http://localhost:${localPort}`);
  else lines.push(`# then open http://localhost:${localPort}`);
  return lines;
}
