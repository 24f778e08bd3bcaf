// Package demo holds the configuration of `trailbridge demo`: a demo cloud
// behind an interceptor and the rules of the seed's scenarios (an
// unapproved IAM user, a public bucket policy, an untagged instance, a
// terminated instance, API throttling, an RDS snapshot for disaster
// recovery) with their functions, queues and webhook.
package demo

import _ "embed"

// Config is trailbridge.yaml: a trailbridge configuration whose ${DEMO_…}
// values the demo fills with its addresses.
//
//go:embed trailbridge.yaml
var Config []byte
