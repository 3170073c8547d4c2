// The heartbeat of long waits is shared provider code now (../heartbeat.ts: the local provider's
// activate and deactivate use it too); re-exported here for the AWS modules that import it.
export { formatElapsed, withHeartbeat, type HeartbeatOptions } from '../heartbeat';
