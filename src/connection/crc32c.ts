// crc32c.ts: CRC-32C (Castagnoli), the checksum of the PROXY protocol's PP2_TYPE_CRC32C TLV, as
// RFC 4960 Appendix B defines it (https://www.rfc-editor.org/rfc/rfc4960#appendix-B): reflected
// polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. Node has no CRC-32C of its own.

const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[n] = c
  }
  return table
})()

/** The CRC-32C of `bytes`, as an unsigned 32-bit number (`crc32c(Buffer.from('123456789')) === 0xe3069283`). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
