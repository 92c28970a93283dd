import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
// a Transform Rule in your Cloudflare zone adds X-Origin-Verify with this secret to every request
const { setting, options } = platform('cloudflare', {
  edgeProof: { header: 'x-origin-verify', values: [process.env.ORIGIN_SECRET] },
})
export const trust = trustProxy(app, setting, options)
