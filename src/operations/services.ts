/**
 * The services every operation handler receives, per request.
 */
import type { Repository } from '../store/repository.ts';
import type { OperationServices } from './types.ts';

/** Per-request services of the server's operations. */
export interface ServerServices extends OperationServices {
  readonly repository: Repository;
  /** Public base URL (absolute links in results). */
  readonly baseUrl: string;
}
