// encode.ts: PROXY protocol headers written by hand for the tests, version 2 with TLVs and the
// CRC32C filled in, by doc/proxy-protocol.txt section 2.2.

import { crc32c } from '../../src/connection/crc32c.js'

export const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])

export interface Tlv {
  readonly type: number
  readonly value: Uint8Array | string
}

/** One TLV: type, 2-byte length, value. */
export function tlv(type: number, value: Uint8Array | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)
  const head = Buffer.from([type, bytes.length >> 8, bytes.length & 0xff])
  return Buffer.concat([head, bytes])
}

/** The SSL TLV's value: client flags, verify, then sub-TLVs. */
export function ssl(client: number, verify: number, subs: readonly Tlv[] = []): Buffer {
  const head = Buffer.alloc(5)
  head[0] = client
  head.writeUInt32BE(verify, 1)
  return Buffer.concat([head, ...subs.map((sub) => tlv(sub.type, sub.value))])
}

export interface V2 {
  readonly command?: number
  readonly version?: number
  /** The 14th byte: family and transport. */
  readonly fam: number
  /** The address block, as bytes. */
  readonly addresses?: Uint8Array
  readonly tlvs?: readonly Tlv[]
  /** Add a CRC32C TLV (computed) after the other TLVs. */
  readonly crc?: boolean
  /** Overrides the length field. */
  readonly length?: number
}

/** A version 2 header. */
export function v2(spec: V2): Buffer {
  const body = [Buffer.from(spec.addresses ?? []), ...(spec.tlvs ?? []).map((t) => tlv(t.type, t.value))]
  if (spec.crc) body.push(tlv(0x03, Buffer.alloc(4)))
  const rest = Buffer.concat(body)
  const head = Buffer.alloc(16)
  SIGNATURE.copy(head)
  head[12] = ((spec.version ?? 2) << 4) | (spec.command ?? 1)
  head[13] = spec.fam
  head.writeUInt16BE(spec.length ?? rest.length, 14)
  const whole = Buffer.concat([head, rest])
  if (spec.crc) whole.writeUInt32BE(crc32c(whole), whole.length - 4)
  return whole
}

/** The IPv4 address block: source, destination, source port, destination port. */
export function inet(source: string, destination: string, sourcePort: number, destinationPort: number): Buffer {
  const block = Buffer.alloc(12)
  Buffer.from(source.split('.').map(Number)).copy(block, 0)
  Buffer.from(destination.split('.').map(Number)).copy(block, 4)
  block.writeUInt16BE(sourcePort, 8)
  block.writeUInt16BE(destinationPort, 10)
  return block
}

/** The IPv6 address block from two sets of eight 16-bit groups. */
export function inet6(source: readonly number[], destination: readonly number[], sourcePort: number, destinationPort: number): Buffer {
  const block = Buffer.alloc(36)
  source.forEach((group, i) => block.writeUInt16BE(group, i * 2))
  destination.forEach((group, i) => block.writeUInt16BE(group, 16 + i * 2))
  block.writeUInt16BE(sourcePort, 32)
  block.writeUInt16BE(destinationPort, 34)
  return block
}

/** The unix address block: two 108-byte paths, NUL-padded. */
export function unix(source: string, destination: string): Buffer {
  const block = Buffer.alloc(216)
  block.write(source, 0, 'utf8')
  block.write(destination, 108, 'utf8')
  return block
}
