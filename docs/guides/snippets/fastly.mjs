import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
// only once your VCL sets Fastly-Client-IP itself (see above)
const { setting, options } = platform('fastly', { clientIpFromVcl: true })
export const trust = trustProxy(app, setting, options)
