// ipv6.ts: IPv6 addresses for the PROXY protocol parser: the text of a version 1 header read into
// eight 16-bit groups, and groups written back as Node writes a peer address. Node's remoteAddress
// comes from libuv's uv_inet_ntop (src/inet.c, from ISC's inet_ntop6): lower-case hexadecimal
// without leading zeroes, the longest run of two or more zero groups (the first of equal runs) as
// "::", and the last 32 bits as a dotted quad for ::ffff:a.b.c.d and ::a.b.c.d (RFC 4291 section
// 2.5.5). Written out rather than through net.SocketAddress, which costs microseconds per call.

/**
 * The groups of an IPv6 address written as RFC 4291 section 2.2 allows: one to four hexadecimal
 * digits per group, at most one "::", optionally a dotted-quad IPv4 tail (no leading zeroes); no
 * zone index. Fills `out` and returns true, or returns false when `text` is not one.
 */
export function parseIpv6(text: string, out: Uint16Array): boolean {
  const length = text.length
  if (length < 2 || length > 45) return false
  let group = 0
  let gap = -1
  let i = 0
  if (text.charCodeAt(0) === 0x3a /* : */) {
    if (text.charCodeAt(1) !== 0x3a) return false
    gap = 0
    i = 2
    if (i === length) return fill(out, group, gap)
  }
  for (;;) {
    // one group: hex digits up to ':' or the end, or an IPv4 tail when a '.' comes first
    const start = i
    let value = 0
    while (i < length && i - start < 5) {
      const digit = hexDigit(text.charCodeAt(i))
      if (digit < 0) break
      value = value * 16 + digit
      i++
    }
    const next = i < length ? text.charCodeAt(i) : -1
    if (next === 0x2e /* . */) {
      if (group > 6) return false
      const tail = ipv4Tail(text, start)
      if (tail < 0) return false
      out[group++] = tail >>> 16
      out[group++] = tail & 0xffff
      return fill(out, group, gap)
    }
    if (i === start || i - start > 4 || group > 7) return false
    out[group++] = value
    if (next === -1) return fill(out, group, gap)
    if (next !== 0x3a /* : */) return false
    i++
    if (i < length && text.charCodeAt(i) === 0x3a) {
      if (gap !== -1) return false
      gap = group
      i++
      if (i === length) return fill(out, group, gap)
    } else if (i === length) {
      return false
    }
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

/** The dotted quad from `start` to the end of `text` as a 32-bit number, or -1. */
function ipv4Tail(text: string, start: number): number {
  let value = 0
  let parts = 0
  let i = start
  while (parts < 4) {
    const begin = i
    let octet = 0
    while (i < text.length && i - begin < 4) {
      const c = text.charCodeAt(i)
      if (c < 0x30 || c > 0x39) break
      octet = octet * 10 + (c - 0x30)
      i++
    }
    const digits = i - begin
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(begin) === 0x30)) return -1
    value = value * 256 + octet
    parts++
    if (parts < 4) {
      if (text.charCodeAt(i) !== 0x2e /* . */) return -1
      i++
    }
  }
  return i === text.length ? value : -1
}

/** Move the groups after a "::" to the end and zero the gap; false when the count is wrong. */
function fill(out: Uint16Array, count: number, gap: number): boolean {
  if (gap === -1) return count === 8
  if (count > 7) return false
  const moved = count - gap
  out.copyWithin(8 - moved, gap, count)
  out.fill(0, gap, 8 - moved)
  return true
}

/** Eight groups written as uv_inet_ntop writes them. */
export function formatIpv6(groups: Uint16Array): string {
  // the longest run of zero groups, at least two long; the first of equal runs
  let best = -1
  let bestLength = 0
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      best = i
      bestLength = j - i
    }
    i = j
  }
  if (bestLength < 2) best = -1
  // ISC's loop, step for step: ':' for the run, ':' before every other group but the first
  let text = ''
  for (let i = 0; i < 8; i++) {
    if (best !== -1 && i >= best && i < best + bestLength) {
      if (i === best) text += ':'
      continue
    }
    if (i !== 0) text += ':'
    // an IPv4-compatible (::a.b.c.d) or IPv4-mapped (::ffff:a.b.c.d) tail; ISC's third case, a run
    // of seven, never reaches group 6, which lies inside the run, so it is left out
    if (i === 6 && best === 0 && (bestLength === 6 || (bestLength === 5 && groups[5] === 0xffff))) {
      const high = groups[6] as number
      const low = groups[7] as number
      return `${text}${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
    }
    text += (groups[i] as number).toString(16)
  }
  return best !== -1 && best + bestLength === 8 ? text + ':' : text
}
