import type { UiAccess } from '../../../providers/provider';

/** What `dojo ui` prints when it cannot (or should not) start the tunnel itself. */
export function formatUiCommand(access: UiAccess & { tunnel: NonNullable<UiAccess['tunnel']> }): string[] {
  const lines = [access.tunnel.commandLine];
  if (access.tunnel.missingTool) lines.unshift(`# ${access.tunnel.missingTool} is not installed: run this where it is, then open ${access.url}`);
  else lines.push(`# then open ${access.url}`);
  return lines;
}
