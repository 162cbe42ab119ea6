// The Information Element registry of pcapflow's NetFlow v9 / IPFIX codec: names and abstract data types of the
// IANA IPFIX flow IEs (RFC 7012 §4 data types, https://www.iana.org/assignments/ipfix), keyed by (PEN, id), with
// the RFC 5103 reverse IEs (PEN 29305, same id) and pcapflow's own enterprise IEs (pcapflow-ies.ts) resolved on
// demand. NetFlow v9 field types 1-127 are the same numbers as IPFIX IEs (RFC 3954 §8 / RFC 7012 §4). Pure: no I/O.

/** RFC 7012 §3.1 abstract data types, reduced to how pcapflow reads them. */
export const IE_TYPE = {
  /** unsigned8..unsigned64 (reduced-size encoding: any width 1-8, RFC 7011 §6.2). */
  UNSIGNED: 0,
  SIGNED: 1,
  /** float32 / float64 (float64 may be sent as 4 bytes, RFC 7011 §6.2). */
  FLOAT: 2,
  IPV4: 3,
  IPV6: 4,
  MAC: 5,
  STRING: 6,
  OCTETS: 7,
  BOOLEAN: 8,
  DATETIME_SECONDS: 9,
  DATETIME_MILLISECONDS: 10,
  /** NTP format (RFC 7011 §6.1.9): 32-bit seconds since 1900, 32-bit fraction. */
  DATETIME_MICROSECONDS: 11,
  DATETIME_NANOSECONDS: 12,
} as const;
export type IeType = (typeof IE_TYPE)[keyof typeof IE_TYPE];

/** RFC 5103 §6: the Private Enterprise Number of the reverse Information Elements. */
export const REVERSE_PEN = 29305;

/** One Information Element. */
export interface IeInfo {
  readonly pen: number;
  readonly id: number;
  readonly name: string;
  readonly type: IeType;
}

const T = IE_TYPE;
const U = T.UNSIGNED;
/** The IANA IPFIX IEs pcapflow knows by name: [id, name, type] (IANA "IPFIX Information Elements" registry). */
const IANA_TABLE: readonly (readonly [number, string, IeType])[] = [
  [1, 'octetDeltaCount', U], [2, 'packetDeltaCount', U], [3, 'deltaFlowCount', U], [4, 'protocolIdentifier', U],
  [5, 'ipClassOfService', U], [6, 'tcpControlBits', U], [7, 'sourceTransportPort', U], [8, 'sourceIPv4Address', T.IPV4],
  [9, 'sourceIPv4PrefixLength', U], [10, 'ingressInterface', U], [11, 'destinationTransportPort', U],
  [12, 'destinationIPv4Address', T.IPV4], [13, 'destinationIPv4PrefixLength', U], [14, 'egressInterface', U],
  [15, 'ipNextHopIPv4Address', T.IPV4], [16, 'bgpSourceAsNumber', U], [17, 'bgpDestinationAsNumber', U],
  [18, 'bgpNextHopIPv4Address', T.IPV4], [19, 'postMCastPacketDeltaCount', U], [20, 'postMCastOctetDeltaCount', U],
  [21, 'flowEndSysUpTime', U], [22, 'flowStartSysUpTime', U], [23, 'postOctetDeltaCount', U],
  [24, 'postPacketDeltaCount', U], [25, 'minimumIpTotalLength', U], [26, 'maximumIpTotalLength', U],
  [27, 'sourceIPv6Address', T.IPV6], [28, 'destinationIPv6Address', T.IPV6], [29, 'sourceIPv6PrefixLength', U],
  [30, 'destinationIPv6PrefixLength', U], [31, 'flowLabelIPv6', U], [32, 'icmpTypeCodeIPv4', U], [33, 'igmpType', U],
  [34, 'samplingInterval', U], [35, 'samplingAlgorithm', U], [36, 'flowActiveTimeout', U], [37, 'flowIdleTimeout', U],
  [38, 'engineType', U], [39, 'engineId', U], [40, 'exportedOctetTotalCount', U], [41, 'exportedMessageTotalCount', U],
  [42, 'exportedFlowRecordTotalCount', U], [43, 'ipv4RouterSc', T.IPV4], [44, 'sourceIPv4Prefix', T.IPV4],
  [45, 'destinationIPv4Prefix', T.IPV4], [46, 'mplsTopLabelType', U], [47, 'mplsTopLabelIPv4Address', T.IPV4],
  [48, 'samplerId', U], [49, 'samplerMode', U], [50, 'samplerRandomInterval', U], [51, 'classId', U],
  [52, 'minimumTTL', U], [53, 'maximumTTL', U], [54, 'fragmentIdentification', U], [55, 'postIpClassOfService', U],
  [56, 'sourceMacAddress', T.MAC], [57, 'postDestinationMacAddress', T.MAC], [58, 'vlanId', U], [59, 'postVlanId', U],
  [60, 'ipVersion', U], [61, 'flowDirection', U], [62, 'ipNextHopIPv6Address', T.IPV6],
  [63, 'bgpNextHopIPv6Address', T.IPV6], [64, 'ipv6ExtensionHeaders', U],
  [70, 'mplsTopLabelStackSection', T.OCTETS], [71, 'mplsLabelStackSection2', T.OCTETS],
  [72, 'mplsLabelStackSection3', T.OCTETS], [73, 'mplsLabelStackSection4', T.OCTETS],
  [74, 'mplsLabelStackSection5', T.OCTETS], [75, 'mplsLabelStackSection6', T.OCTETS],
  [76, 'mplsLabelStackSection7', T.OCTETS], [77, 'mplsLabelStackSection8', T.OCTETS],
  [78, 'mplsLabelStackSection9', T.OCTETS], [79, 'mplsLabelStackSection10', T.OCTETS],
  [80, 'destinationMacAddress', T.MAC], [81, 'postSourceMacAddress', T.MAC], [82, 'interfaceName', T.STRING],
  [83, 'interfaceDescription', T.STRING], [84, 'samplerName', T.STRING], [85, 'octetTotalCount', U],
  [86, 'packetTotalCount', U], [87, 'flagsAndSamplerId', U], [88, 'fragmentOffset', U], [89, 'forwardingStatus', U],
  [90, 'mplsVpnRouteDistinguisher', T.OCTETS], [91, 'mplsTopLabelPrefixLength', U], [92, 'srcTrafficIndex', U],
  [93, 'dstTrafficIndex', U], [94, 'applicationDescription', T.STRING], [95, 'applicationId', T.OCTETS],
  [96, 'applicationName', T.STRING], [98, 'postIpDiffServCodePoint', U], [99, 'multicastReplicationFactor', U],
  [100, 'className', T.STRING], [101, 'classificationEngineId', U], [102, 'layer2packetSectionOffset', U],
  [103, 'layer2packetSectionSize', U], [104, 'layer2packetSectionData', T.OCTETS],
  [128, 'bgpNextAdjacentAsNumber', U], [129, 'bgpPrevAdjacentAsNumber', U], [130, 'exporterIPv4Address', T.IPV4],
  [131, 'exporterIPv6Address', T.IPV6], [132, 'droppedOctetDeltaCount', U], [133, 'droppedPacketDeltaCount', U],
  [134, 'droppedOctetTotalCount', U], [135, 'droppedPacketTotalCount', U], [136, 'flowEndReason', U],
  [137, 'commonPropertiesId', U], [138, 'observationPointId', U], [139, 'icmpTypeCodeIPv6', U],
  [140, 'mplsTopLabelIPv6Address', T.IPV6], [141, 'lineCardId', U], [142, 'portId', U], [143, 'meteringProcessId', U],
  [144, 'exportingProcessId', U], [145, 'templateId', U], [146, 'wlanChannelId', U], [147, 'wlanSSID', T.STRING],
  [148, 'flowId', U], [149, 'observationDomainId', U], [150, 'flowStartSeconds', T.DATETIME_SECONDS],
  [151, 'flowEndSeconds', T.DATETIME_SECONDS], [152, 'flowStartMilliseconds', T.DATETIME_MILLISECONDS],
  [153, 'flowEndMilliseconds', T.DATETIME_MILLISECONDS], [154, 'flowStartMicroseconds', T.DATETIME_MICROSECONDS],
  [155, 'flowEndMicroseconds', T.DATETIME_MICROSECONDS], [156, 'flowStartNanoseconds', T.DATETIME_NANOSECONDS],
  [157, 'flowEndNanoseconds', T.DATETIME_NANOSECONDS], [158, 'flowStartDeltaMicroseconds', U],
  [159, 'flowEndDeltaMicroseconds', U], [160, 'systemInitTimeMilliseconds', T.DATETIME_MILLISECONDS],
  [161, 'flowDurationMilliseconds', U], [162, 'flowDurationMicroseconds', U], [163, 'observedFlowTotalCount', U],
  [164, 'ignoredPacketTotalCount', U], [165, 'ignoredOctetTotalCount', U], [166, 'notSentFlowTotalCount', U],
  [167, 'notSentPacketTotalCount', U], [168, 'notSentOctetTotalCount', U], [169, 'destinationIPv6Prefix', T.IPV6],
  [170, 'sourceIPv6Prefix', T.IPV6], [171, 'postOctetTotalCount', U], [172, 'postPacketTotalCount', U],
  [173, 'flowKeyIndicator', U], [174, 'postMCastPacketTotalCount', U], [175, 'postMCastOctetTotalCount', U],
  [176, 'icmpTypeIPv4', U], [177, 'icmpCodeIPv4', U], [178, 'icmpTypeIPv6', U], [179, 'icmpCodeIPv6', U],
  [180, 'udpSourcePort', U], [181, 'udpDestinationPort', U], [182, 'tcpSourcePort', U], [183, 'tcpDestinationPort', U],
  [184, 'tcpSequenceNumber', U], [185, 'tcpAcknowledgementNumber', U], [186, 'tcpWindowSize', U],
  [187, 'tcpUrgentPointer', U], [188, 'tcpHeaderLength', U], [189, 'ipHeaderLength', U], [190, 'totalLengthIPv4', U],
  [191, 'payloadLengthIPv6', U], [192, 'ipTTL', U], [193, 'nextHeaderIPv6', U], [194, 'mplsPayloadLength', U],
  [195, 'ipDiffServCodePoint', U], [196, 'ipPrecedence', U], [197, 'fragmentFlags', U],
  [198, 'octetDeltaSumOfSquares', U], [199, 'octetTotalSumOfSquares', U], [200, 'mplsTopLabelTTL', U],
  [201, 'mplsLabelStackLength', U], [202, 'mplsLabelStackDepth', U], [203, 'mplsTopLabelExp', U],
  [204, 'ipPayloadLength', U], [205, 'udpMessageLength', U], [206, 'isMulticast', U], [207, 'ipv4IHL', U],
  [208, 'ipv4Options', U], [209, 'tcpOptions', U], [210, 'paddingOctets', T.OCTETS],
  [211, 'collectorIPv4Address', T.IPV4], [212, 'collectorIPv6Address', T.IPV6], [213, 'exportInterface', U],
  [214, 'exportProtocolVersion', U], [215, 'exportTransportProtocol', U], [216, 'collectorTransportPort', U],
  [217, 'exporterTransportPort', U], [218, 'tcpSynTotalCount', U], [219, 'tcpFinTotalCount', U],
  [220, 'tcpRstTotalCount', U], [221, 'tcpPshTotalCount', U], [222, 'tcpAckTotalCount', U],
  [223, 'tcpUrgTotalCount', U], [224, 'ipTotalLength', U], [225, 'postNATSourceIPv4Address', T.IPV4],
  [226, 'postNATDestinationIPv4Address', T.IPV4], [227, 'postNAPTSourceTransportPort', U],
  [228, 'postNAPTDestinationTransportPort', U], [229, 'natOriginatingAddressRealm', U], [230, 'natEvent', U],
  [231, 'initiatorOctets', U], [232, 'responderOctets', U], [233, 'firewallEvent', U], [234, 'ingressVRFID', U],
  [235, 'egressVRFID', U], [236, 'VRFname', T.STRING], [237, 'postMplsTopLabelExp', U], [238, 'tcpWindowScale', U],
  [239, 'biflowDirection', U], [240, 'ethernetHeaderLength', U], [241, 'ethernetPayloadLength', U],
  [242, 'ethernetTotalLength', U], [243, 'dot1qVlanId', U], [244, 'dot1qPriority', U], [245, 'dot1qCustomerVlanId', U],
  [246, 'dot1qCustomerPriority', U], [256, 'ethernetType', U], [276, 'dataRecordsReliability', T.BOOLEAN],
  [298, 'initiatorPackets', U], [299, 'responderPackets', U],
  [322, 'observationTimeSeconds', T.DATETIME_SECONDS], [323, 'observationTimeMilliseconds', T.DATETIME_MILLISECONDS],
  [324, 'observationTimeMicroseconds', T.DATETIME_MICROSECONDS],
  [325, 'observationTimeNanoseconds', T.DATETIME_NANOSECONDS],
];

const IANA = new Map<number, IeInfo>();
for (const [id, name, type] of IANA_TABLE) IANA.set(id, { pen: 0, id, name, type });

/** Extra IEs (another PEN's), registered by `registerIe` (pcapflow-ies.ts registers pcapflow's own). */
const EXTRA = new Map<string, IeInfo>();

/** Register an enterprise-specific IE (name and type), e.g. for a collector that knows a vendor's elements. */
export function registerIe(info: IeInfo): void {
  EXTRA.set(`${info.pen}:${info.id}`, info);
}

/**
 * The IE for (PEN, id): IANA's (PEN 0), its RFC 5103 reverse (PEN 29305, "reverse" + the name, same type; §6.1),
 * a registered enterprise IE, or an unnamed octet array `e<PEN>id<id>` (the RFC 7011 §3.4.2 default: unknown
 * IEs are carried, not interpreted).
 */
export function lookupIe(pen: number, id: number): IeInfo {
  if (pen === 0) return IANA.get(id) ?? { pen, id, name: `ie${id}`, type: T.OCTETS };
  if (pen === REVERSE_PEN) {
    const fwd = IANA.get(id);
    if (fwd !== undefined) return { pen, id, name: 'reverse' + fwd.name[0]!.toUpperCase() + fwd.name.slice(1), type: fwd.type };
  }
  return EXTRA.get(`${pen}:${id}`) ?? { pen, id, name: `e${pen}id${id}`, type: T.OCTETS };
}

/** The IANA IEs pcapflow knows by name (for documentation and tests). */
export function ianaIes(): IeInfo[] {
  return [...IANA.values()];
}
