// Plain data types shared across pcapflow's modules: the raw record a capture reader yields, the decoded
// packet struct the decoders fill, and the named skip reasons. No logic, no I/O.

/**
 * One capture record, as a reader yields it. Readers reuse one RawPacket object: every field, and above all
 * `data` (a view into the reader's current chunk), is valid only until the reader's next call.
 */
export interface RawPacket {
  /** 0-based index of this packet among the packets of the whole input (all files, in order). */
  index: number;
  /** 1-based number of the record (pcap) or block (pcapng) in its file. */
  recordNumber: number;
  /** Bytes from the start of the (decompressed) file to the record header / block start. */
  offset: number;
  /** Whole seconds since the Unix epoch (may be negative for odd captures). */
  tsSec: number;
  /** Nanoseconds within the second, 0..999_999_999, truncated from the capture's own resolution. */
  tsNs: number;
  /** The timestamp in integer microseconds since the epoch: tsSec * 1e6 + floor(tsNs / 1000). */
  tsUs: number;
  /** Digits after the decimal point the capture's resolution justifies (6 for µs, 9 for ns, ...). */
  tsDigits: number;
  /** False for records that carry no timestamp (pcapng Simple Packet Blocks): their ts* fields then repeat the
   *  previous packet's time, so that time never runs backwards for the flow engine. */
  hasTimestamp: boolean;
  /** Bytes captured (length of `data`). */
  capLen: number;
  /** Bytes on the wire. */
  origLen: number;
  /** LINKTYPE_* value of the interface that captured this packet. */
  linkType: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** The captured bytes: a view, valid until the reader's next call. */
  data: Uint8Array;
}

/** Why a packet did not become part of a flow. 'none' means it was decoded and can be accounted to a flow. */
export const SKIP_REASONS = [
  'none',
  'unsupported_link_type', // link type pcapflow does not decode (802.11, NETLINK, ...)
  'truncated_link', // link-layer header cut short by the capture length
  'not_ip', // ARP, LLDP, STP, ... : no IP header at the outermost layer
  'truncated_ip', // IP header cut short
  'bad_ip_header', // IPv4 IHL < 5, wrong version nibble, total length < header length
  'bad_ipv6_ext', // IPv6 extension-header chain that loops, runs past the packet or is too long
  'truncated_transport', // transport header too short to read the ports (or ICMP type/code)
  'bad_transport_header', // TCP data offset < 5
  'too_many_layers', // encapsulation deeper than the decoder's limit
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export const SKIP = {
  NONE: 0,
  UNSUPPORTED_LINK_TYPE: 1,
  TRUNCATED_LINK: 2,
  NOT_IP: 3,
  TRUNCATED_IP: 4,
  BAD_IP_HEADER: 5,
  BAD_IPV6_EXT: 6,
  TRUNCATED_TRANSPORT: 7,
  BAD_TRANSPORT_HEADER: 8,
  TOO_MANY_LAYERS: 9,
} as const;
export type SkipCode = (typeof SKIP)[keyof typeof SKIP];

/** IP protocol numbers pcapflow gives meaning to. */
export const IPPROTO = {
  HOPOPT: 0,
  ICMP: 1,
  IGMP: 2,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  MOBILITY: 135,
  SCTP: 132,
  UDPLITE: 136,
  HIP: 139,
  SHIM6: 140,
} as const;

/** TCP flag bits as they sit in byte 13 of the TCP header. */
export const TCP_FLAG = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/**
 * The decoded packet: one struct, allocated once and overwritten for every packet (no allocation per packet).
 * Fields of absent layers hold their documented "absent" value. Byte counts are in bytes.
 */
export interface PacketMeta {
  /** SKIP.NONE when the packet can go into a flow; otherwise why not. */
  skip: SkipCode;
  /** True when decoding stopped early (snaplen) but the flow tuple is known; such packets still go into flows. */
  truncated: boolean;
  /** Outermost 802.1Q/802.1ad VLAN id of the frame (never one inside a tunnel), or -1. */
  vlanId: number;
  /** 4 or 6 for the IP header that defines the flow (the outermost; with decodePacket's `decap` option the
   *  innermost of the tunnels entered), 0 when there is none. All IP and transport fields below describe it. */
  ipVersion: number;
  /** Source and destination address bytes (IPv4 in bytes 0-3, IPv6 in 0-15); buffers reused across packets. */
  srcAddr: Uint8Array;
  dstAddr: Uint8Array;
  /** Offset of that IP header in the frame. */
  ipOffset: number;
  /** IPv4 header length / 40 + IPv6 extension headers up to the transport header. */
  ipHeaderLen: number;
  /** IP datagram length from the IP length fields (IPv4 total length; IPv6 40 + payload length). */
  ipTotalLen: number;
  /** IPv4 TTL or IPv6 hop limit; IPv4 TOS / IPv6 traffic class. */
  ttl: number;
  tos: number;
  /** Transport protocol number (after IPv6 extension headers), or -1 without IP. */
  protocol: number;
  /** True for an IP fragment that is not the first one (it carries no transport header). */
  isLaterFragment: boolean;
  /** True when the packet is a fragment (first or later). */
  isFragment: boolean;
  /** True when srcPort/dstPort were read (TCP, UDP, SCTP, UDP-Lite, DCCP first fragments). */
  hasPorts: boolean;
  srcPort: number;
  dstPort: number;
  /** ICMP / ICMPv6 type and code, or -1. */
  icmpType: number;
  icmpCode: number;
  /** TCP fields; 0 when not TCP or not captured. tcpFlags holds byte 13 (FIN..CWR). */
  tcpFlags: number;
  tcpWindow: number;
  tcpSeq: number;
  tcpAck: number;
  /** Offset of the transport header in the frame, or -1. */
  l4Offset: number;
  /** Transport header length: TCP data offset x 4, UDP 8, else 0. */
  l4HeaderLen: number;
  /**
   * Of l4HeaderLen, the bytes present in the capture (a snaplen can cut a TCP header inside its options; the
   * CICFlowMeter references count only those bytes as header bytes). -1 when the decoder does not report it
   * (consumers then use l4HeaderLen). Added by the flow engine's author.
   */
  capturedL4HeaderLen: number;
  /** Transport payload length from the IP length fields (never from the frame: padding is not payload). */
  payloadLen: number;
  /** Of payloadLen, the bytes actually present in the capture (snaplen truncation lowers it). */
  capturedPayloadLen: number;
  /** Tunnel layers entered to reach the IP header above (decodePacket's `decap` option); 0 without. */
  tunnelLayers: number;
  /** Bit (1 << TUNNEL.*) for each kind of tunnel entered; 0 without. */
  tunnelKinds: number;
}

/** A fresh PacketMeta with every field at its "absent" value. Allocate once, then let decodePacket reuse it. */
export function createPacketMeta(): PacketMeta {
  return {
    skip: SKIP.NONE,
    truncated: false,
    vlanId: -1,
    ipVersion: 0,
    srcAddr: new Uint8Array(16),
    dstAddr: new Uint8Array(16),
    ipOffset: -1,
    ipHeaderLen: 0,
    ipTotalLen: 0,
    ttl: 0,
    tos: 0,
    protocol: -1,
    isLaterFragment: false,
    isFragment: false,
    hasPorts: false,
    srcPort: 0,
    dstPort: 0,
    icmpType: -1,
    icmpCode: -1,
    tcpFlags: 0,
    tcpWindow: 0,
    tcpSeq: 0,
    tcpAck: 0,
    l4Offset: -1,
    l4HeaderLen: 0,
    capturedL4HeaderLen: -1,
    payloadLen: 0,
    capturedPayloadLen: 0,
    tunnelLayers: 0,
    tunnelKinds: 0,
  };
}

/** Tunnel kinds `--decap` enters (bit positions of PacketMeta.tunnelKinds); TUNNEL_NAMES gives their names. */
export const TUNNEL = {
  IP_IN_IP: 0, // IPv4/IPv6 in IPv4/IPv6 (IP protocols 4 and 41; RFC 2003, RFC 4213, RFC 2473)
  GRE: 1, // RFC 2784/2890, PPTP's enhanced GRE (RFC 2637), GRE carrying Ethernet (0x6558) or MPLS
  TEREDO: 2, // RFC 4380
  VXLAN: 3, // RFC 7348
  GENEVE: 4, // RFC 8926
  GTP_U: 5, // 3GPP TS 29.281
  ERSPAN: 6, // ERSPAN type I/II/III inside GRE
  MPLS_UDP: 7, // RFC 7510
} as const;
export const TUNNEL_NAMES = ['ip_in_ip', 'gre', 'teredo', 'vxlan', 'geneve', 'gtp_u', 'erspan', 'mpls_udp'] as const;

/** LINKTYPE_* values pcapflow decodes. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  PPP: 9,
  LOOP: 108,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
