import { DojoError, type DojoErrorCode } from '../errors';
import type { MlflowErrorCode } from './types';

/** The HTTP status MLflow answers for each of its error codes. */
export const STATUS_OF_ERROR: Record<MlflowErrorCode, number> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
};

function dojoCodeOf(errorCode: string): DojoErrorCode {
  switch (errorCode) {
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'ENDPOINT_NOT_FOUND':
      return 'NOT_FOUND';
    case 'RESOURCE_ALREADY_EXISTS':
    case 'INVALID_STATE':
      return 'CONFLICT';
    case 'INVALID_PARAMETER_VALUE':
    case 'BAD_REQUEST':
      return 'BAD_DATA';
    default:
      return 'INTERNAL';
  }
}

/**
 * An MLflow error: thrown by the embedded server's store where bad input is found (and turned into
 * MLflow's `{error_code, message}` body), and by the client for every 4xx answer of any server.
 */
export class TrackingError extends DojoError {
  constructor(
    /** MLflow's error_code, e.g. RESOURCE_DOES_NOT_EXIST. */
    readonly errorCode: MlflowErrorCode | string,
    message: string,
    /** The HTTP status that carries (or carried) it. */
    readonly status: number = STATUS_OF_ERROR[errorCode as MlflowErrorCode] ?? 500,
    options?: { cause?: unknown },
  ) {
    super(dojoCodeOf(errorCode), message, options);
  }
}

/** 404 RESOURCE_DOES_NOT_EXIST. */
export function notFound(message: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', message);
}

/** 400 INVALID_PARAMETER_VALUE. */
export function invalidParam(message: string): TrackingError {
  return new TrackingError('INVALID_PARAMETER_VALUE', message);
}

/** 400 RESOURCE_ALREADY_EXISTS (MLflow does not use 409). */
export function alreadyExists(message: string): TrackingError {
  return new TrackingError('RESOURCE_ALREADY_EXISTS', message);
}
