import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
// CloudFront in front of an Application Load Balancer in the VPC 10.0.0.0/16: outermost first
const { setting, options } = platform('cloudfront,aws-alb', { vpc: '10.0.0.0/16' })
export const trust = trustProxy(app, setting, options)
