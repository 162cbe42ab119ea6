// pcapflow's library entry point: re-exports the public API. Nothing here runs on import.
export { PcapflowError, isCaptureError } from './errors.js';
export type { ErrorCode, PcapflowErrorDetails } from './errors.js';
export * from './types.js';
