import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
const { setting, options } = platform('fly-io')
export const trust = trustProxy(app, setting, options)
