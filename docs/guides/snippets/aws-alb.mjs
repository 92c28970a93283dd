import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
// your VPC's CIDR: the load balancer's nodes connect from its subnets
const { setting, options } = platform('aws-alb', { vpc: '10.0.0.0/16' })
export const trust = trustProxy(app, setting, options)
