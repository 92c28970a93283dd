// cert.ts: a self-signed certificate for localhost, made at test time with openssl (Debian's
// openssl package; `.ci/run` installs it) in a temporary directory that is removed at once.

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface KeyPair {
  readonly key: Buffer
  readonly cert: Buffer
}

/** A P-256 key and a certificate for CN=localhost, valid one day. */
export function selfSigned(): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-cert-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' })
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
