// Package check holds what tests across trailbridge share: waiting for
// something to become true without sleeping for a fixed time.
package check

import (
	"testing"
	"time"
)

// For polls fn every step until it returns nil, and fails the test with
// fn's last error when timeout passes first.
func For(t testing.TB, timeout, step time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(step)
	}
}
