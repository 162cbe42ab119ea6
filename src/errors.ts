// pcapflow's one error type. Every error pcapflow raises on purpose is a PcapflowError with a stable `code`;
// callers (CLI exit codes, tests) branch on `code` and `offset`, never on message text.
// This module does no I/O.

/** Stable error codes. Capture-level framing errors stop reading a file; option errors stop before any work. */
export const ERROR_CODES = [
  'E_CAPTURE_BAD_MAGIC',
  'E_CAPTURE_TRUNCATED_HEADER',
  'E_PCAP_BAD_VERSION',
  'E_PCAP_BAD_LINKTYPE',
  'E_PCAP_RECORD_TRUNCATED',
  'E_PCAP_CAPLEN_TOO_LARGE',
  'E_PCAPNG_BLOCK_LENGTH',
  'E_PCAPNG_BLOCK_TRAILER',
  'E_PCAPNG_BLOCK_TRUNCATED',
  'E_PCAPNG_BAD_VERSION',
  'E_PCAPNG_BAD_OPTION',
  'E_PCAPNG_NO_SECTION',
  'E_PCAPNG_BAD_INTERFACE',
  'E_GZIP_CORRUPT',
  'E_OPTION_INVALID',
  'E_INPUT_NOT_FOUND',
  'E_IO',
  'E_OUTPUT',
  'E_COMMUNITY_ID_INPUT',
  'E_WORKER_CRASHED',
  'E_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PcapflowErrorDetails {
  /** Bytes from the start of the (decompressed) capture stream where the damage starts. */
  offset?: number;
  /** 1-based number of the record (pcap) or block (pcapng) at `offset`. */
  recordNumber?: number;
  /** 0-based index of the packet concerned, when there is one. */
  packetIndex?: number;
  /** The file concerned ('-' for stdin). */
  file?: string;
  /** The layer or structure being read ('pcap record header', 'pcapng block', 'option', ...). */
  layer?: string;
  /** Bytes the structure needs, and bytes that were there. */
  required?: number;
  available?: number;
}

/** An error with a stable code and the context (file, offset, record number) needed to locate it. */
export class PcapflowError extends Error {
  readonly code: ErrorCode;
  offset?: number;
  recordNumber?: number;
  packetIndex?: number;
  file?: string;
  layer?: string;
  required?: number;
  available?: number;

  constructor(code: ErrorCode, message: string, details: PcapflowErrorDetails = {}) {
    super(message);
    this.name = 'PcapflowError';
    this.code = code;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.recordNumber !== undefined) this.recordNumber = details.recordNumber;
    if (details.packetIndex !== undefined) this.packetIndex = details.packetIndex;
    if (details.file !== undefined) this.file = details.file;
    if (details.layer !== undefined) this.layer = details.layer;
    if (details.required !== undefined) this.required = details.required;
    if (details.available !== undefined) this.available = details.available;
  }

  /**
   * One line for stderr, e.g.
   * `capture.pcap: truncated packet record #48211 at byte 73400112: header says 1514 bytes, 312 remain`.
   */
  describe(): string {
    const where: string[] = [];
    if (this.recordNumber !== undefined) where.push(`record #${this.recordNumber}`);
    if (this.offset !== undefined) where.push(`at byte ${this.offset}`);
    const file = this.file !== undefined ? `${this.file}: ` : '';
    return `${file}${where.length > 0 ? where.join(' ') + ': ' : ''}${this.message}`;
  }
}

/** True for the errors that mean "the capture is damaged here" (exit status 2, output kept). */
export function isCaptureError(err: unknown): err is PcapflowError {
  return (
    err instanceof PcapflowError &&
    (err.code.startsWith('E_CAPTURE_') || err.code.startsWith('E_PCAP') || err.code === 'E_GZIP_CORRUPT')
  );
}
