// Package awsapi owns trailbridge's AWS wire protocol: an HTTP handler that
// speaks AWS JSON 1.1 (POST /, X-Amz-Target dispatch, SigV4 on every
// request, AWS's error envelope), and the EventBridge operations behind it,
// with AWS's request shapes, constraint messages and semantics.
//
// The operations are methods of EventBridge with typed inputs, so that other
// parts (the declarative configuration) change state through exactly the
// checks the API applies.
package awsapi
