/**
 * The network ports of a dojo, in one place: the CDK stack opens exactly these, the services
 * listen on them, and the providers build URIs from them.
 */

/** MLflow tracking server (REST API and UI) on the manager. */
export const TRACKING_PORT = 5001;

/** HPO service (API v1) on the manager. */
export const HPO_PORT = 5002;

/**
 * Rendezvous of a trial's replicas. The HPO service serves it (it also hands out ranks), so it
 * is the HPO port: there is no separate rendezvous listener to open.
 */
export const RENDEZVOUS_PORT = HPO_PORT;

/** First port of the range the replicas of a trial use to talk to each other (allreduce). */
export const ALLREDUCE_PORT_FROM = 29500;

/** Last port (inclusive) of the allreduce range: 100 ports, so several replicas fit on one worker. */
export const ALLREDUCE_PORT_TO = 29599;

/** All the ports of a dojo, as the stack and the `/dojo/<id>/ports` parameter describe them. */
export interface DojoPorts {
  /** MLflow tracking server. */
  readonly tracking: number;
  /** HPO service. */
  readonly hpo: number;
  /** Rendezvous (served by the HPO service, so equal to `hpo`). */
  readonly rendezvous: number;
  /** First allreduce port (worker to worker). */
  readonly allreduceFrom: number;
  /** Last allreduce port, inclusive. */
  readonly allreduceTo: number;
}

/** The default ports of a dojo. */
export const DEFAULT_DOJO_PORTS: DojoPorts = {
  tracking: TRACKING_PORT,
  hpo: HPO_PORT,
  rendezvous: RENDEZVOUS_PORT,
  allreduceFrom: ALLREDUCE_PORT_FROM,
  allreduceTo: ALLREDUCE_PORT_TO,
};

/**
 * Linux's default local port range (net.ipv4.ip_local_port_range on the ECS-optimised AMIs), where
 * PyTorch's gloo and NCCL listen for their rank-to-rank connections; open between workers only.
 */
export const EPHEMERAL_PORTS = { from: 32768, to: 60999 } as const;
