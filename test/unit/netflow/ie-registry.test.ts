// The IE registry: IANA IEs by (0, id) with their RFC 7012 types, RFC 5103 reverse IEs under PEN 29305, pcapflow's
// own IEs under its PEN, unknown IEs as octet arrays.
import { describe, expect, it } from '@jest/globals';
import { IE_TYPE, ianaIes, lookupIe, REVERSE_PEN } from '../../../src/netflow/ie-registry.js';
import { PCAPFLOW_IES, REVERSE_ID_BIT, registerPcapflowIes, statSlotOfId, STAT_COLUMNS } from '../../../src/netflow/pcapflow-ies.js';
import { DEFAULT_COLUMNS } from '../../../src/csv/columns.js';

describe('IE registry', () => {
  it('IANA IEs with the types RFC 7012 / the IANA registry give them', () => {
    expect(lookupIe(0, 8)).toMatchObject({ name: 'sourceIPv4Address', type: IE_TYPE.IPV4 });
    expect(lookupIe(0, 27)).toMatchObject({ name: 'sourceIPv6Address', type: IE_TYPE.IPV6 });
    expect(lookupIe(0, 152)).toMatchObject({ name: 'flowStartMilliseconds', type: IE_TYPE.DATETIME_MILLISECONDS });
    expect(lookupIe(0, 154)).toMatchObject({ name: 'flowStartMicroseconds', type: IE_TYPE.DATETIME_MICROSECONDS });
    expect(lookupIe(0, 239)).toMatchObject({ name: 'biflowDirection', type: IE_TYPE.UNSIGNED });
    expect(lookupIe(0, 82)).toMatchObject({ name: 'interfaceName', type: IE_TYPE.STRING });
    expect(ianaIes().length).toBeGreaterThan(200);
    expect(new Set(ianaIes().map((i) => i.id)).size).toBe(ianaIes().length);
  });
  it('RFC 5103 reverse IEs: PEN 29305, the same id and type, "reverse" + name', () => {
    expect(lookupIe(REVERSE_PEN, 1)).toMatchObject({ name: 'reverseOctetDeltaCount', type: IE_TYPE.UNSIGNED });
    expect(lookupIe(REVERSE_PEN, 6)).toMatchObject({ name: 'reverseTcpControlBits' });
  });
  it('unknown IEs are carried as octet arrays with a made-up name', () => {
    expect(lookupIe(0, 9999)).toMatchObject({ name: 'ie9999', type: IE_TYPE.OCTETS });
    expect(lookupIe(4242, 1)).toMatchObject({ name: 'e4242id1', type: IE_TYPE.OCTETS });
  });
  it('pcapflow\'s IEs: float64 under its PEN, reverse ids for Bwd columns, every column a default-profile column', () => {
    registerPcapflowIes(32473);
    expect(lookupIe(32473, 2)).toMatchObject({ name: 'payloadLengthMax', type: IE_TYPE.FLOAT });
    expect(lookupIe(32473, 2 | REVERSE_ID_BIT)).toMatchObject({ name: 'reversePayloadLengthMax' });
    const names = new Set(DEFAULT_COLUMNS.map((c) => c.name));
    for (const c of STAT_COLUMNS) expect(names.has(c)).toBe(true);
    expect(new Set(PCAPFLOW_IES.map((i) => i.id)).size).toBe(PCAPFLOW_IES.length);
    expect(STAT_COLUMNS[statSlotOfId(2 | REVERSE_ID_BIT)]).toBe('Bwd Packet Length Max');
    expect(statSlotOfId(40 | REVERSE_ID_BIT)).toBe(-1); // a non-directional IE has no reverse
  });
});
