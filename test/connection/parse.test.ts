import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/connection/crc32c.js'
import { parseProxyHeader, proxySignature, type ProxyHeader } from '../../src/connection/parse.js'
import { inet, inet6, SIGNATURE, ssl, tlv, unix, v2 } from './encode.js'

const LOOP = '127.0.0.1'

function done(bytes: Uint8Array, maxBytes?: number): { length: number; header: ProxyHeader } {
  const result = parseProxyHeader(bytes, maxBytes)
  if (result.state !== 'done') throw new Error(`expected a header, got ${JSON.stringify(result)}`)
  return result
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1')

describe('version 1', () => {
  const accepted: readonly [string, string, Partial<ProxyHeader>][] = [
    ['TCP4', 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n', { family: 'IPv4', source: { address: '192.168.0.1', port: 56324 }, destination: { address: '192.168.0.11', port: 443 } }],
    ['TCP4 at the longest', 'PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n', { source: { address: '255.255.255.255', port: 65535 } }],
    ['TCP4 ports 0', 'PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n', { source: { address: '0.0.0.0', port: 0 } }],
    ['TCP6 compressed', 'PROXY TCP6 2001:db8::1 ::1 1 2\r\n', { family: 'IPv6', source: { address: '2001:db8::1', port: 1 }, destination: { address: '::1', port: 2 } }],
    ['TCP6 in full and upper case, given as Node gives a peer', 'PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 0:0:0:0:0:0:0:1 1 2\r\n', { source: { address: '2001:db8::1', port: 1 } }],
    ['TCP6 IPv4-mapped', 'PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n', { source: { address: '::ffff:192.0.2.1', port: 1 } }],
    ['UNKNOWN short form', 'PROXY UNKNOWN\r\n', { family: 'unspec', source: undefined, transport: 'unspec' }],
    ['UNKNOWN with anything before CRLF', 'PROXY UNKNOWN ffff:f::f whatever 1 2\r\n', { family: 'unspec', source: undefined }],
  ]
  it.each(accepted)('%s', (_name, line, expected) => {
    const { length, header } = done(ascii(line + 'GET / HTTP/1.1\r\n'))
    expect(length).toBe(line.length)
    expect(header).toMatchObject({ version: 1, command: 'proxy', tlvs: undefined, ...expected })
  })

  it('the longest line the specification allows, 107 bytes (UNKNOWN worst case)', () => {
    const group = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'
    const line = `PROXY UNKNOWN ${group} ${group} 65535 65535\r\n`
    expect(line.length).toBe(107)
    expect(done(ascii(line)).length).toBe(107)
  })

  const partial: readonly [string, string][] = [
    ['one byte', 'P'],
    ['the prefix', 'PROXY '],
    ['no CRLF yet', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2'],
    ['CR without LF yet', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r'],
  ]
  it.each(partial)('partial: %s', (_name, bytes) => {
    expect(parseProxyHeader(ascii(bytes))).toEqual({ state: 'partial' })
  })

  const invalid: readonly [string, string, string][] = [
    ['fail: no space after PROXY', 'PROXY\r\n', 'not a PROXY protocol header'],
    ['fail: lower case', 'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'not a PROXY protocol header'],
    ['fail: an HTTP request', 'GET / HTTP/1.1\r\n', 'not a PROXY protocol header'],
    ['fail: LF alone', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n', 'version 1 line ends with LF alone, not CRLF'],
    ['fail: no CRLF in 107 bytes', 'PROXY UNKNOWN ' + 'f'.repeat(100), 'version 1 line without CRLF in its first 107 bytes'],
    ['fail: two spaces', 'PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n', 'version 1 line without exactly six fields separated by single spaces'],
    ['fail: a missing port', 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', 'version 1 line without exactly six fields separated by single spaces'],
    ['fail: a trailing space', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n', 'version 1 line without exactly six fields separated by single spaces'],
    ['fail: a CR inside the line', 'PROXY TCP4 1.2.3.4 5.6.7.8\r1 2\r\n', 'version 1 line without exactly six fields separated by single spaces'],
    ['fail: UDP4', 'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n', 'version 1 protocol is not TCP4, TCP6 or UNKNOWN'],
    ['fail: UNKNOWNX', 'PROXY UNKNOWNX\r\n', 'version 1 line without exactly six fields separated by single spaces'],
    ['fail: IPv4 with a heading zero', 'PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n', 'version 1 address is not a canonical IPv4 address'],
    ['fail: IPv4 octet above 255', 'PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n', 'version 1 address is not a canonical IPv4 address'],
    ['fail: IPv4 with three parts', 'PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n', 'version 1 address is not a canonical IPv4 address'],
    ['fail: IPv6 under TCP4', 'PROXY TCP4 ::1 5.6.7.8 1 2\r\n', 'version 1 address is not a canonical IPv4 address'],
    ['fail: IPv4 under TCP6', 'PROXY TCP6 1.2.3.4 ::1 1 2\r\n', 'version 1 address is not a canonical IPv6 address'],
    ['fail: IPv6 with a zone', 'PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n', 'version 1 address is not a canonical IPv6 address'],
    ['fail: IPv6 with two ::', 'PROXY TCP6 1::2::3 ::1 1 2\r\n', 'version 1 address is not a canonical IPv6 address'],
    ['fail: IPv6 in brackets', 'PROXY TCP6 [::1] ::1 1 2\r\n', 'version 1 address is not a canonical IPv6 address'],
    ['fail: port above 65535', 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', 'version 1 port is not a decimal in 0..65535 without leading zeroes'],
    ['fail: port with a heading zero', 'PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n', 'version 1 port is not a decimal in 0..65535 without leading zeroes'],
    ['fail: port with a sign', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n', 'version 1 port is not a decimal in 0..65535 without leading zeroes'],
    ['fail: port of six digits', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 100000\r\n', 'version 1 port is not a decimal in 0..65535 without leading zeroes'],
  ]
  it.each(invalid)('%s', (_name, bytes, reason) => {
    expect(parseProxyHeader(ascii(bytes))).toEqual({ state: 'invalid', reason })
  })
})

describe('version 2', () => {
  it('TCP over IPv4 (0x11), the rest left unread', () => {
    const header = v2({ fam: 0x11, addresses: inet('192.0.2.7', LOOP, 40000, 443) })
    const { length, header: parsed } = done(Buffer.concat([header, ascii('GET /')]))
    expect(length).toBe(28)
    expect(parsed).toEqual({
      version: 2, command: 'proxy', family: 'IPv4', transport: 'stream',
      source: { address: '192.0.2.7', port: 40000 }, destination: { address: LOOP, port: 443 }, tlvs: undefined,
    })
  })

  it('UDP over IPv6 (0x22), in the form Node gives a peer address', () => {
    const header = v2({ fam: 0x22, addresses: inet6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], 1, 2) })
    expect(done(header).header).toMatchObject({
      family: 'IPv6', transport: 'dgram', source: { address: '2001:db8::1', port: 1 }, destination: { address: '::ffff:192.0.2.1', port: 2 },
    })
  })

  it('UNIX stream (0x31): the paths, up to the first NUL or all 108 bytes', () => {
    const long = 'p'.repeat(108)
    const header = v2({ fam: 0x31, addresses: Buffer.concat([unix('/run/client.sock', '').subarray(0, 108), Buffer.from(long)]) })
    expect(done(header).header).toMatchObject({ family: 'unix', source: { address: '/run/client.sock', port: 0 }, destination: { address: long, port: 0 } })
  })

  it('LOCAL (a health check): the address block and anything after it are skipped', () => {
    const header = v2({ command: 0, fam: 0x11, addresses: inet('192.0.2.7', LOOP, 1, 2), tlvs: [{ type: 0x02, value: 'x' }] })
    expect(done(header)).toEqual({
      state: 'done', length: header.length,
      header: { version: 2, command: 'local', family: 'unspec', transport: 'unspec', source: undefined, destination: undefined, tlvs: undefined },
    })
  })

  const unspec: readonly [string, number][] = [['UNSPEC (0x00)', 0x00], ['INET with an UNSPEC protocol (0x10)', 0x10], ['UNSPEC family with STREAM (0x01)', 0x01]]
  it.each(unspec)('PROXY with %s: no addresses, nothing after the 16 bytes read', (_name, fam) => {
    const header = v2({ fam, addresses: Buffer.from([1, 2, 3]) })
    expect(done(header)).toMatchObject({ length: 19, header: { command: 'proxy', family: 'unspec', source: undefined, tlvs: undefined } })
  })

  it('partial until the 16 bytes, then until the length the header announces', () => {
    const header = v2({ fam: 0x11, addresses: inet('192.0.2.7', LOOP, 1, 2) })
    for (let n = 1; n < header.length; n++) expect(parseProxyHeader(header.subarray(0, n))).toEqual({ state: 'partial' })
  })

  const invalid: readonly [string, Buffer, string][] = [
    ['fail: a wrong signature byte', Buffer.concat([SIGNATURE.subarray(0, 11), Buffer.from([0x0b])]), 'not a PROXY protocol header'],
    ['fail: version 1 in the binary form', v2({ version: 1, fam: 0x11, addresses: inet(LOOP, LOOP, 1, 2) }), 'version 2 signature with version 1'],
    ['fail: version 3', v2({ version: 3, fam: 0x11, addresses: inet(LOOP, LOOP, 1, 2) }), 'version 2 signature with version 3'],
    ['fail: command 2', v2({ command: 2, fam: 0x11, addresses: inet(LOOP, LOOP, 1, 2) }), 'version 2 command 2 is neither LOCAL (0) nor PROXY (1)'],
    ['fail: family 4', v2({ fam: 0x41 }), 'version 2 family and protocol byte 0x41 is not defined'],
    ['fail: protocol 3', v2({ fam: 0x13 }), 'version 2 family and protocol byte 0x13 is not defined'],
    ['fail: IPv4 block too short', v2({ fam: 0x11, addresses: Buffer.alloc(11) }), 'version 2 IPv4 header of 27 bytes is shorter than its 12-byte address block'],
    ['fail: IPv6 block too short', v2({ fam: 0x21, addresses: Buffer.alloc(12) }), 'version 2 IPv6 header of 28 bytes is shorter than its 36-byte address block'],
    ['fail: UNIX block too short', v2({ fam: 0x31, addresses: Buffer.alloc(36) }), 'version 2 unix header of 52 bytes is shorter than its 216-byte address block'],
  ]
  it.each(invalid)('%s', (_name, bytes, reason) => {
    expect(parseProxyHeader(bytes)).toEqual({ state: 'invalid', reason })
  })

  it('fail: a header longer than maxBytes, as soon as its length field is read', () => {
    const header = v2({ fam: 0x11, addresses: inet(LOOP, LOOP, 1, 2), tlvs: [{ type: 0xe0, value: Buffer.alloc(200) }] })
    expect(parseProxyHeader(header.subarray(0, 16), 200)).toEqual({ state: 'invalid', reason: 'version 2 header of 231 bytes is longer than maxHeaderBytes (200)' })
    expect(done(header, 231).length).toBe(231)
  })
})

describe('version 2 TLVs', () => {
  const base = { fam: 0x11, addresses: inet('192.0.2.7', LOOP, 1, 2) }
  const tlvsOf = (spec: Parameters<typeof v2>[0]) => done(v2(spec)).header.tlvs

  it('every typed TLV, and unknown ones kept as bytes in order', () => {
    const tlvs = tlvsOf({
      ...base,
      tlvs: [
        { type: 0x01, value: 'h2' },
        { type: 0x02, value: 'shop.example' },
        { type: 0x04, value: Buffer.alloc(3) },
        { type: 0x04, value: Buffer.alloc(0) },
        { type: 0x05, value: Buffer.from([1, 2, 3]) },
        { type: 0x20, value: ssl(0x07, 0, [
          { type: 0x21, value: 'TLSv1.3' }, { type: 0x22, value: 'client-é' }, { type: 0x23, value: 'TLS_AES_256_GCM_SHA384' },
          { type: 0x24, value: 'RSA-SHA256' }, { type: 0x25, value: 'RSA2048' }, { type: 0x26, value: 'X25519' },
        ]) },
        { type: 0x30, value: 'blue' },
        { type: 0xea, value: Buffer.concat([Buffer.from([0x01]), Buffer.from('vpce-08d2bf15fac5001c9')]) },
        { type: 0xea, value: Buffer.from([0x02, 9]) },
        { type: 0xe1, value: Buffer.from([9, 8]) },
      ],
      crc: true,
    })
    expect(tlvs).toMatchObject({
      alpn: 'h2', authority: 'shop.example', uniqueId: Buffer.from([1, 2, 3]), netns: 'blue', awsVpcEndpointId: 'vpce-08d2bf15fac5001c9',
      ssl: {
        ssl: true, certConnection: true, certSession: true, verified: true, version: 'TLSv1.3', cn: 'client-é',
        cipher: 'TLS_AES_256_GCM_SHA384', sigAlg: 'RSA-SHA256', keyAlg: 'RSA2048', others: [{ type: 0x26, value: Buffer.from('X25519') }],
      },
      unknown: [{ type: 0xea, value: Buffer.from([0x02, 9]) }, { type: 0xe1, value: Buffer.from([9, 8]) }],
    })
    expect(typeof tlvs?.crc32c).toBe('number')
  })

  const verification: readonly [string, number, number, boolean][] = [
    ['a certificate on the connection, verify 0: verified', 0x03, 0, true],
    ['a certificate in the session, verify 0: verified', 0x05, 0, true],
    ['a certificate, verify 20 (unable to get the issuer): not verified', 0x07, 20, false],
    ['no certificate, verify 0 (as HAProxy sends it): not verified', 0x01, 0, false],
  ]
  it.each(verification)('SSL with %s', (_name, client, verify, verified) => {
    expect(tlvsOf({ ...base, tlvs: [{ type: 0x20, value: ssl(client, verify) }] })?.ssl).toMatchObject({ verified, verify })
  })

  it('SSL without a verified certificate, nor TLS flags', () => {
    expect(tlvsOf({ ...base, tlvs: [{ type: 0x20, value: ssl(0, 1) }] })?.ssl).toEqual({
      ssl: false, certConnection: false, certSession: false, verified: false, verify: 1,
      version: undefined, cn: undefined, cipher: undefined, sigAlg: undefined, keyAlg: undefined, others: [],
    })
  })

  it('a value is a copy: changing the received bytes afterwards changes nothing', () => {
    const header = v2({ ...base, tlvs: [{ type: 0x05, value: Buffer.from([7]) }] })
    const tlvs = done(header).header.tlvs
    header.fill(0)
    expect(tlvs?.uniqueId).toEqual(Buffer.from([7]))
  })

  it('the CRC32C of RFC 4960 Appendix B: the check value of "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  const corrupt = (header: Buffer, at: number): Buffer => {
    const copy = Buffer.from(header)
    copy[at] = (copy[at] as number) ^ 0x01
    return copy
  }
  const withCrc = v2({ ...base, tlvs: [{ type: 0x02, value: 'shop.example' }], crc: true })

  const invalid: readonly [string, Buffer, string][] = [
    ['fail: CRC32C over a changed address', corrupt(withCrc, 17), 'version 2 CRC32C does not match the header'],
    ['fail: CRC32C over a changed TLV', corrupt(withCrc, 31), 'version 2 CRC32C does not match the header'],
    ['fail: CRC32C of 3 bytes', v2({ ...base, tlvs: [{ type: 0x03, value: Buffer.alloc(3) }] }), 'version 2 CRC32C TLV of 3 bytes, not 4'],
    ['fail: a TLV head cut short', v2({ ...base, tlvs: [{ type: 0x04, value: '' }], length: 12 + 2 }), 'version 2 TLV header runs past the end of the PROXY header'],
    ['fail: a TLV value past the header', Buffer.concat([v2({ ...base, length: 12 + 3 + 1 }).subarray(0, 28), tlv(0x01, 'h2').subarray(0, 4)]), 'version 2 TLV 0x01 runs past the end of the PROXY header'],
    ['fail: a repeated ALPN', v2({ ...base, tlvs: [{ type: 0x01, value: 'h2' }, { type: 0x01, value: 'h3' }] }), 'version 2 TLV 0x01 is repeated'],
    ['fail: an authority of 256 bytes', v2({ ...base, tlvs: [{ type: 0x02, value: 'a'.repeat(256) }] }), 'version 2 authority TLV of 256 bytes is longer than 255'],
    ['fail: a unique ID of 129 bytes', v2({ ...base, tlvs: [{ type: 0x05, value: Buffer.alloc(129) }] }), 'version 2 unique ID TLV of 129 bytes is longer than 128'],
    ['fail: an SSL TLV of 4 bytes', v2({ ...base, tlvs: [{ type: 0x20, value: Buffer.alloc(4) }] }), 'version 2 SSL TLV of 4 bytes is shorter than its 5-byte head'],
    ['fail: an SSL sub-TLV head cut short', v2({ ...base, tlvs: [{ type: 0x20, value: Buffer.concat([ssl(1, 0), Buffer.from([0x21, 0])]) }] }), 'version 2 SSL sub-TLV header runs past the end of the SSL TLV'],
    ['fail: an SSL sub-TLV value past the SSL TLV', v2({ ...base, tlvs: [{ type: 0x20, value: Buffer.concat([ssl(1, 0), Buffer.from([0x21, 0, 9, 0x41])]) }] }), 'version 2 SSL sub-TLV 0x21 runs past the end of the SSL TLV'],
    ...[0x21, 0x22, 0x23, 0x24, 0x25].map((type): [string, Buffer, string] => [
      `fail: a repeated SSL sub-TLV 0x${type.toString(16)}`,
      v2({ ...base, tlvs: [{ type: 0x20, value: ssl(1, 0, [{ type, value: 'a' }, { type, value: 'b' }]) }] }),
      `version 2 SSL sub-TLV 0x${type.toString(16)} is repeated`,
    ]),
  ]
  it.each(invalid)('%s', (_name, bytes, reason) => {
    expect(parseProxyHeader(bytes)).toEqual({ state: 'invalid', reason })
  })
})

describe('proxySignature', () => {
  const cases: readonly [string, Buffer, 'yes' | 'no' | 'partial'][] = [
    ['nothing yet', Buffer.alloc(0), 'partial'],
    ['"PROX"', ascii('PROX'), 'partial'],
    ['"PROXY "', ascii('PROXY '), 'yes'],
    ['"PROXI"', ascii('PROXI'), 'no'],
    ['a TLS ClientHello', Buffer.from([0x16, 0x03, 0x01]), 'no'],
    ['CRLF CRLF (an HTTP client may send empty lines first)', Buffer.from([0x0d, 0x0a, 0x0d, 0x0a]), 'partial'],
    ['the version 2 signature', SIGNATURE, 'yes'],
  ]
  it.each(cases)('%s', (_name, bytes, expected) => {
    expect(proxySignature(bytes)).toBe(expected)
  })
})
