// Package targettest is the conformance suite every target kind passes.
//
// A kind's test describes how to reach a working destination, how to read
// back what it received, and, where it can, how to break it; Run then
// checks what the delivery engine relies on: a successful Invoke means the
// destination holds exactly the payload, whatever its size or content;
// concurrent invocations are all delivered; a cancelled or expired context
// ends the attempt promptly with a retryable error; a missing destination
// fails without retry; a broken destination fails with retry and works
// again once healed; and every failure is a *target.Error.
package targettest
