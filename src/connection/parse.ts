// parse.ts: the PROXY protocol header, version 1 (text) and version 2 (binary), read strictly by
// HAProxy's specification, doc/proxy-protocol.txt (https://www.haproxy.org/download/3.0/doc/proxy-protocol.txt;
// section numbers below are that document's). A pure function of the bytes received so far: it says
// "need more", "invalid, because …" or "done, this many bytes, this header". It never throws.

import { crc32c } from './crc32c.js'
import { formatIpv6, parseIpv6 } from './ipv6.js'

/** The SSL TLV (PP2_TYPE_SSL, section 2.2.6): how the client reached the balancer. */
export interface ProxySsl {
  /** PP2_CLIENT_SSL: the client connected over SSL/TLS. */
  readonly ssl: boolean
  /** PP2_CLIENT_CERT_CONN: the client presented a certificate on this connection. */
  readonly certConnection: boolean
  /** PP2_CLIENT_CERT_SESS: the client presented a certificate at least once in this TLS session. */
  readonly certSession: boolean
  /**
   * The client presented a certificate (on this connection or in its session) and it was verified:
   * a certificate flag and a `verify` field of zero. The flag is required too because HAProxy
   * leaves `verify` at zero when no certificate was presented (src/connection.c, make_proxy_line_v2),
   * although section 2.2.6 says zero means "presented a certificate and it was successfully verified".
   */
  readonly verified: boolean
  /** The `verify` field as received: zero, or the TLS library's verification error. */
  readonly verify: number
  /** PP2_SUBTYPE_SSL_VERSION, such as `TLSv1.3`. */
  readonly version: string | undefined
  /** PP2_SUBTYPE_SSL_CN: the Common Name of the client certificate's subject. */
  readonly cn: string | undefined
  /** PP2_SUBTYPE_SSL_CIPHER, such as `ECDHE-RSA-AES128-GCM-SHA256`. */
  readonly cipher: string | undefined
  /** PP2_SUBTYPE_SSL_SIG_ALG, such as `RSA-SHA256`. */
  readonly sigAlg: string | undefined
  /** PP2_SUBTYPE_SSL_KEY_ALG, such as `RSA2048`. */
  readonly keyAlg: string | undefined
  /** Sub-TLVs of other types (the group, the signature scheme, the client certificate, …), as bytes. */
  readonly others: readonly ProxyTlv[]
}

/** A TLV as received: its type and a copy of its value. */
export interface ProxyTlv {
  readonly type: number
  readonly value: Buffer
}

/** The TLVs of a version 2 header (section 2.2), typed where the specification or AWS defines them. */
export interface ProxyTlvs {
  /** PP2_TYPE_ALPN (0x01): the protocol the client negotiated, such as `h2`. */
  readonly alpn: string | undefined
  /** PP2_TYPE_AUTHORITY (0x02): the host name the client asked for (TLS SNI), UTF-8. */
  readonly authority: string | undefined
  /** PP2_TYPE_CRC32C (0x03): the header's checksum, verified before the header is accepted. */
  readonly crc32c: number | undefined
  /** PP2_TYPE_UNIQUE_ID (0x05): the balancer's identifier of the connection (at most 128 bytes). */
  readonly uniqueId: Buffer | undefined
  /** PP2_TYPE_SSL (0x20) and its sub-TLVs. */
  readonly ssl: ProxySsl | undefined
  /** PP2_TYPE_NETNS (0x30): the network namespace's name. */
  readonly netns: string | undefined
  /** AWS's PP2_TYPE_AWS (0xEA) with subtype PP2_SUBTYPE_AWS_VPCE_ID (0x01): the VPC endpoint ID. */
  readonly awsVpcEndpointId: string | undefined
  /** Every other TLV (custom, experimental, other AWS subtypes), in the order received. */
  readonly unknown: readonly ProxyTlv[]
}

/** One end of the proxied connection, as the header announces it. */
export interface ProxyEndpoint {
  /** An IP address as Node reports one (`203.0.113.7`, `2001:db8::1`), or a unix socket's path. */
  readonly address: string
  /** The port; 0 for a unix socket. */
  readonly port: number
}

/**
 * A PROXY protocol header. `command` is `local` for a connection the balancer made itself (a health
 * check: version 2's LOCAL); `family` is `unspec` when the header carries no usable address (version
 * 1's UNKNOWN, version 2's UNSPEC): both keep the connection's own address.
 */
export interface ProxyHeader {
  readonly version: 1 | 2
  readonly command: 'proxy' | 'local'
  readonly family: 'IPv4' | 'IPv6' | 'unix' | 'unspec'
  /** `stream` (TCP), `dgram` (UDP) or `unspec`. */
  readonly transport: 'stream' | 'dgram' | 'unspec'
  /** The client, when the family has addresses. */
  readonly source: ProxyEndpoint | undefined
  /** The address the client connected to, when the family has addresses. */
  readonly destination: ProxyEndpoint | undefined
  /** The TLVs (version 2 only); undefined when there are none. */
  readonly tlvs: ProxyTlvs | undefined
}

/** What the bytes so far hold. */
export type ParseResult =
  | { readonly state: 'partial' }
  | { readonly state: 'invalid'; readonly reason: string }
  | { readonly state: 'done'; readonly length: number; readonly header: ProxyHeader }

const PARTIAL: ParseResult = Object.freeze({ state: 'partial' })

function invalid(reason: string): ParseResult {
  return { state: 'invalid', reason }
}

/** Section 2.1: "a 108-byte buffer is always enough", the line with its CRLF is at most 107 bytes. */
export const V1_MAX = 107

/** Section 2.2: a version 2 header is 16 bytes and then up to 65535 more. */
export const V2_MAX = 16 + 0xffff

/** Section 2.2: the version 2 signature, `\r\n\r\n\0\r\nQUIT\n`. */
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

/** Section 2.1: "PROXY" and exactly one space. */
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]

/**
 * Whether `bytes` begin like a PROXY header (either version): `yes`, `no`, or `partial` while the
 * bytes so far are a prefix of one of the two signatures. Used for peers outside `from`, whose
 * header is never believed.
 */
export function proxySignature(bytes: Uint8Array): 'yes' | 'no' | 'partial' {
  const first = bytes[0]
  const signature = first === 0x50 /* P */ ? V1_PREFIX : SIGNATURE
  const n = Math.min(bytes.length, signature.length)
  for (let i = 0; i < n; i++) if (bytes[i] !== signature[i]) return 'no'
  return n === signature.length ? 'yes' : 'partial'
}

/**
 * Parse the PROXY header at the start of `bytes`, the first bytes of a connection. `partial` when
 * the bytes so far are a valid beginning; `invalid` (with why) as soon as they cannot be one, or
 * when a version 2 header would be longer than `maxBytes`; `done` with the header's length in bytes.
 * Section 2.2: a receiver supporting both versions tells them apart by the signature, and anything
 * else "must be dropped"; section 2: it "MUST not try to guess whether the protocol header is present".
 */
export function parseProxyHeader(bytes: Uint8Array, maxBytes: number = V2_MAX): ParseResult {
  switch (proxySignature(bytes)) {
    case 'partial':
      return PARTIAL
    case 'no':
      return invalid('not a PROXY protocol header')
  }
  // a Buffer's own toString(encoding, start, end) reads text without a view per field
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return buffer[0] === 0x50 /* P */ ? parseV1(buffer) : parseV2(buffer, maxBytes)
}

// ---------------------------------------------------------------------------------------------------
// version 1, section 2.1

/**
 * `PROXY TCP4|TCP6 <source> <destination> <source port> <destination port>\r\n`, or
 * `PROXY UNKNOWN<anything>\r\n`, at most 107 bytes. The receiver "must not tolerate a single CR or
 * LF character to end the line", and a line without CRLF in its first 107 bytes is invalid.
 */
function parseV1(bytes: Buffer): ParseResult {
  const n = Math.min(bytes.length, V1_MAX)
  let lf = -1
  for (let i = V1_PREFIX.length; i < n; i++) {
    if (bytes[i] === 0x0a /* \n */) {
      lf = i
      break
    }
  }
  if (lf === -1) return bytes.length >= V1_MAX ? invalid('version 1 line without CRLF in its first 107 bytes') : PARTIAL
  const cr = lf - 1
  if (bytes[cr] !== 0x0d /* \r */) return invalid('version 1 line ends with LF alone, not CRLF')
  const length = lf + 1
  // "For UNKNOWN, the rest of the line before the CRLF may be omitted by the sender, and the
  // receiver must ignore anything presented before the CRLF is found."
  if (startsWith(bytes, 6, UNKNOWN) && (cr === 13 || bytes[13] === 0x20 /* space */)) {
    return { state: 'done', length, header: header(1, 'proxy', 'unspec', 'unspec', undefined, undefined, undefined) }
  }
  // the five single spaces after PROXY, read in place: no field may be empty
  let spaces = 1
  let at = 6
  for (let i = 6; i < cr; i++) {
    if (bytes[i] !== 0x20) continue
    if (i === at || spaces === 5) return invalid(SIX_FIELDS)
    fields[spaces++] = i
    at = i + 1
  }
  if (spaces !== 5 || at === cr) return invalid(SIX_FIELDS)
  fields[5] = cr
  let family: 'IPv4' | 'IPv6'
  if (fields[1] === 10 && startsWith(bytes, 6, TCP4)) family = 'IPv4'
  else if (fields[1] === 10 && startsWith(bytes, 6, TCP6)) family = 'IPv6'
  else return invalid('version 1 protocol is not TCP4, TCP6 or UNKNOWN')
  const from = v1Address(bytes, (fields[1] as number) + 1, fields[2] as number, family)
  const to = v1Address(bytes, (fields[2] as number) + 1, fields[3] as number, family)
  if (from === undefined || to === undefined) return invalid(`version 1 address is not a canonical ${family} address`)
  const fromPort = v1Port(bytes, (fields[3] as number) + 1, fields[4] as number)
  const toPort = v1Port(bytes, (fields[4] as number) + 1, cr)
  if (fromPort < 0 || toPort < 0) return invalid('version 1 port is not a decimal in 0..65535 without leading zeroes')
  return {
    state: 'done', length,
    header: header(1, 'proxy', family, 'stream', { address: from, port: fromPort }, { address: to, port: toPort }, undefined),
  }
}

const SIX_FIELDS = 'version 1 line without exactly six fields separated by single spaces'
const UNKNOWN = [0x55, 0x4e, 0x4b, 0x4e, 0x4f, 0x57, 0x4e]
const TCP4 = [0x54, 0x43, 0x50, 0x34]
const TCP6 = [0x54, 0x43, 0x50, 0x36]
/** The positions of the spaces of one line (1 to 4) and its end (5), written and read within one call. */
const fields = new Int32Array(6)

function startsWith(bytes: Buffer, at: number, text: readonly number[]): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text[i]) return false
  return true
}

/**
 * Section 2.1: IPv4 as exactly four decimals in 0..255 "separated by exactly one dot", with no
 * heading zeroes; IPv6 as hexadecimal groups with at most one "::". Returned as Node reports a peer
 * address (uv_inet_ntop's form: lower case, the longest run of zeroes compressed), so that an
 * announced address reads like a connected one; undefined when the text is not one.
 */
function v1Address(bytes: Buffer, start: number, end: number, family: 'IPv4' | 'IPv6'): string | undefined {
  if (family === 'IPv6') return parseIpv6(bytes.toString('latin1', start, end), groups) ? formatIpv6(groups) : undefined
  let parts = 0
  let i = start
  while (i < end) {
    const begin = i
    let octet = 0
    while (i < end && i - begin < 4 && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39) octet = octet * 10 + (bytes[i++] as number) - 0x30
    const digits = i - begin
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && bytes[begin] === 0x30)) return undefined
    parts++
    if (i < end && (bytes[i++] !== 0x2e /* . */ || i === end)) return undefined
  }
  return parts === 4 ? bytes.toString('latin1', start, end) : undefined
}

/** Scratch for one address's groups, written and read within one call. */
const groups = new Uint16Array(8)

/** Section 2.1: a port "in the range [0..65535] inclusive", no heading zeroes; -1 when it is not one. */
function v1Port(bytes: Buffer, start: number, end: number): number {
  const digits = end - start
  if (digits > 5 || (digits > 1 && bytes[start] === 0x30)) return -1
  let port = 0
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number
    if (c < 0x30 || c > 0x39) return -1
    port = port * 10 + c - 0x30
  }
  return port <= 0xffff ? port : -1
}

// ---------------------------------------------------------------------------------------------------
// version 2, section 2.2

/** Section 2.2: the address block of each family, sources and destinations with ports. */
const ADDRESS_BYTES = { IPv4: 12, IPv6: 36, unix: 216 } as const
const FAMILIES = ['unspec', 'IPv4', 'IPv6', 'unix'] as const
const TRANSPORTS = ['unspec', 'stream', 'dgram'] as const

function parseV2(bytes: Buffer, maxBytes: number): ParseResult {
  if (bytes.length < 16) return PARTIAL
  const versionCommand = bytes[12] as number
  const familyTransport = bytes[13] as number
  // "the receiver must only accept" version 2; "Receivers must drop connections presenting
  // unexpected values" of the command
  if (versionCommand >> 4 !== 2) return invalid(`version 2 signature with version ${versionCommand >> 4}`)
  const command = versionCommand & 0x0f
  if (command > 1) return invalid(`version 2 command ${command} is neither LOCAL (0) nor PROXY (1)`)
  const family = FAMILIES[familyTransport >> 4]
  const transport = TRANSPORTS[familyTransport & 0x0f]
  // other families and protocols "must be rejected as invalid by receivers"
  if (family === undefined || transport === undefined) return invalid(`version 2 family and protocol byte 0x${hex(familyTransport)} is not defined`)
  const length = 16 + (((bytes[14] as number) << 8) | (bytes[15] as number))
  if (length > maxBytes) return invalid(`version 2 header of ${length} bytes is longer than maxHeaderBytes (${maxBytes})`)
  if (bytes.length < length) return PARTIAL

  // LOCAL: "the receiver must accept this connection as valid and must use the real connection
  // endpoints and discard the protocol block including the family". UNSPEC (family or protocol):
  // "The receiver should ignore address information"; without a known address block the TLVs
  // cannot be found, so nothing after the 16 bytes is interpreted.
  if (command === 0) return { state: 'done', length, header: header(2, 'local', 'unspec', 'unspec', undefined, undefined, undefined) }
  if (family === 'unspec' || transport === 'unspec') {
    return { state: 'done', length, header: header(2, 'proxy', 'unspec', 'unspec', undefined, undefined, undefined) }
  }
  const block = ADDRESS_BYTES[family]
  if (length - 16 < block) return invalid(`version 2 ${family} header of ${length} bytes is shorter than its ${block}-byte address block`)
  let source: ProxyEndpoint
  let destination: ProxyEndpoint
  if (family === 'unix') {
    source = { address: unixPath(bytes, 16), port: 0 }
    destination = { address: unixPath(bytes, 16 + 108), port: 0 }
  } else {
    const size = family === 'IPv4' ? 4 : 16
    const ports = 16 + 2 * size
    source = { address: ipText(bytes, 16, size), port: u16(bytes, ports) }
    destination = { address: ipText(bytes, 16 + size, size), port: u16(bytes, ports + 2) }
  }
  const tlvs = length > 16 + block ? parseTlvs(bytes, 16 + block, length) : undefined
  if (typeof tlvs === 'string') return invalid(tlvs)
  return { state: 'done', length, header: header(2, 'proxy', family, transport, source, destination, tlvs) }
}

function header(
  version: 1 | 2, command: 'proxy' | 'local', family: ProxyHeader['family'], transport: ProxyHeader['transport'],
  source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined, tlvs: ProxyTlvs | undefined,
): ProxyHeader {
  return { version, command, family, transport, source, destination, tlvs }
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number)
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0')
}

/** An address in network byte order, as Node reports a peer's (uv_inet_ntop's form). */
function ipText(bytes: Uint8Array, at: number, size: 4 | 16): string {
  if (size === 4) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`
  for (let i = 0; i < 8; i++) groups[i] = u16(bytes, at + 2 * i)
  return formatIpv6(groups)
}

/** Section 2.2: a unix address is 108 bytes, the path ending at the first NUL (sun_path). */
function unixPath(bytes: Buffer, at: number): string {
  let end = at
  while (end < at + 108 && bytes[end] !== 0) end++
  return bytes.toString('utf8', at, end)
}

/** A copy of a value, so that a TLV kept on a socket does not hold the connection's first chunk. */
function copy(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(bytes.subarray(start, end))
}

function text(bytes: Buffer, start: number, end: number, encoding: 'utf8' | 'latin1'): string {
  return bytes.toString(encoding, start, end)
}

type MutableTlvs = { -readonly [K in keyof ProxyTlvs]: ProxyTlvs[K] }

/** Section 2.2.5: "an opaque byte sequence of up to 128 bytes". */
const UNIQUE_ID_MAX = 128
/** HAProxy refuses an authority longer than 255 bytes (HA_PP2_AUTHORITY_MAX, src/connection.c). */
const AUTHORITY_MAX = 255

/**
 * Section 2.2: TLVs fill the rest of the header exactly (type, 2-byte length, value). A TLV that
 * runs past the header, a repeated typed TLV, a CRC32C that does not match (section 2.2.3: the
 * receiver "MUST treat the TCP connection providing the header as invalid") or an SSL TLV whose
 * sub-TLVs do not fit make the header invalid: the reason is returned instead of the TLVs.
 */
function parseTlvs(bytes: Buffer, start: number, end: number): ProxyTlvs | string {
  const tlvs: MutableTlvs = {
    alpn: undefined, authority: undefined, crc32c: undefined, uniqueId: undefined, ssl: undefined, netns: undefined,
    awsVpcEndpointId: undefined, unknown: [],
  }
  const unknown: ProxyTlv[] = []
  // the typed TLVs met so far, one bit each (KNOWN's order)
  let seen = 0
  let at = start
  while (at < end) {
    if (at + 3 > end) return 'version 2 TLV header runs past the end of the PROXY header'
    const type = bytes[at] as number
    const valueStart = at + 3
    const valueEnd = valueStart + u16(bytes, at + 1)
    if (valueEnd > end) return `version 2 TLV 0x${hex(type)} runs past the end of the PROXY header`
    const size = valueEnd - valueStart
    // NOOP (0x04) is not among them: it may pad anywhere, any number of times
    const bit = KNOWN_BITS[type] ?? 0
    if ((seen & bit) !== 0) return `version 2 TLV 0x${hex(type)} is repeated`
    seen |= bit
    switch (type) {
      case 0x01: // PP2_TYPE_ALPN, section 2.2.1: the bytes of an ALPN protocol ID (RFC 7301)
        tlvs.alpn = text(bytes, valueStart, valueEnd, 'latin1')
        break
      case 0x02: // PP2_TYPE_AUTHORITY, section 2.2.2: "an UTF8-encoded string"
        if (size > AUTHORITY_MAX) return `version 2 authority TLV of ${size} bytes is longer than ${AUTHORITY_MAX}`
        tlvs.authority = text(bytes, valueStart, valueEnd, 'utf8')
        break
      case 0x03: { // PP2_TYPE_CRC32C, section 2.2.3
        if (size !== 4) return `version 2 CRC32C TLV of ${size} bytes, not 4`
        const received = ((bytes[valueStart] as number) * 0x1000000) + u16(bytes, valueStart + 1) * 0x100 + (bytes[valueStart + 3] as number)
        // "replace the 32 bits of the checksum field ... with all '0's and calculate a CRC32c
        // checksum value of the whole PROXY header"
        const zeroed = copy(bytes, 0, end)
        zeroed.fill(0, valueStart, valueEnd)
        if (crc32c(zeroed) !== received) return 'version 2 CRC32C does not match the header'
        tlvs.crc32c = received
        break
      }
      case 0x04: // PP2_TYPE_NOOP, section 2.2.4: "should be ignored when parsed"
        break
      case 0x05: // PP2_TYPE_UNIQUE_ID, section 2.2.5
        if (size > UNIQUE_ID_MAX) return `version 2 unique ID TLV of ${size} bytes is longer than ${UNIQUE_ID_MAX}`
        tlvs.uniqueId = copy(bytes, valueStart, valueEnd)
        break
      case 0x20: { // PP2_TYPE_SSL, section 2.2.6
        const ssl = parseSsl(bytes, valueStart, valueEnd)
        if (typeof ssl === 'string') return ssl
        tlvs.ssl = ssl
        break
      }
      case 0x30: // PP2_TYPE_NETNS, section 2.2.7: "the US-ASCII string representation of the namespace's name"
        tlvs.netns = text(bytes, valueStart, valueEnd, 'latin1')
        break
      case 0xea: // PP2_TYPE_AWS: the first byte is a subtype, 0x01 the VPC endpoint ID, in ASCII
        // (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#proxy-protocol)
        if (size >= 1 && bytes[valueStart] === 0x01 && tlvs.awsVpcEndpointId === undefined) {
          tlvs.awsVpcEndpointId = text(bytes, valueStart + 1, valueEnd, 'latin1')
        } else {
          unknown.push({ type, value: copy(bytes, valueStart, valueEnd) })
        }
        break
      default:
        unknown.push({ type, value: copy(bytes, valueStart, valueEnd) })
    }
    at = valueEnd
  }
  tlvs.unknown = unknown
  return tlvs
}

function repeatedSub(type: number): string {
  return `version 2 SSL sub-TLV 0x${hex(type)} is repeated`
}

/** The TLV types parsed into a field of their own, each of which may appear once, with a bit each. */
const KNOWN_BITS: Readonly<Record<number, number>> = { 0x01: 1, 0x02: 2, 0x03: 4, 0x05: 8, 0x20: 16, 0x30: 32 }

/**
 * Section 2.2.6: `struct pp2_tlv_ssl { uint8_t client; uint32_t verify; struct pp2_tlv sub_tlv[0]; }`,
 * packed; `verify` is zero when the client's certificate was verified.
 */
function parseSsl(bytes: Buffer, start: number, end: number): ProxySsl | string {
  if (end - start < 5) return `version 2 SSL TLV of ${end - start} bytes is shorter than its 5-byte head`
  const client = bytes[start] as number
  const verify = (bytes[start + 1] as number) * 0x1000000 + u16(bytes, start + 2) * 0x100 + (bytes[start + 4] as number)
  // the version, cipher and algorithms are US-ASCII, the CN UTF-8 (section 2.2.6)
  let version: string | undefined
  let cn: string | undefined
  let cipher: string | undefined
  let sigAlg: string | undefined
  let keyAlg: string | undefined
  const others: ProxyTlv[] = []
  let at = start + 5
  while (at < end) {
    if (at + 3 > end) return 'version 2 SSL sub-TLV header runs past the end of the SSL TLV'
    const type = bytes[at] as number
    const valueEnd = at + 3 + u16(bytes, at + 1)
    if (valueEnd > end) return `version 2 SSL sub-TLV 0x${hex(type)} runs past the end of the SSL TLV`
    switch (type) {
      case 0x21:
        if (version !== undefined) return repeatedSub(type)
        version = text(bytes, at + 3, valueEnd, 'latin1')
        break
      case 0x22:
        if (cn !== undefined) return repeatedSub(type)
        cn = text(bytes, at + 3, valueEnd, 'utf8')
        break
      case 0x23:
        if (cipher !== undefined) return repeatedSub(type)
        cipher = text(bytes, at + 3, valueEnd, 'latin1')
        break
      case 0x24:
        if (sigAlg !== undefined) return repeatedSub(type)
        sigAlg = text(bytes, at + 3, valueEnd, 'latin1')
        break
      case 0x25:
        if (keyAlg !== undefined) return repeatedSub(type)
        keyAlg = text(bytes, at + 3, valueEnd, 'latin1')
        break
      default:
        others.push({ type, value: copy(bytes, at + 3, valueEnd) })
    }
    at = valueEnd
  }
  return {
    ssl: (client & 0x01) !== 0,
    certConnection: (client & 0x02) !== 0,
    certSession: (client & 0x04) !== 0,
    verified: verify === 0 && (client & 0x06) !== 0,
    verify,
    version,
    cn,
    cipher,
    sigAlg,
    keyAlg,
    others,
  }
}
