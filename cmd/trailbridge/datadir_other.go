//go:build !unix

package main

import "os"

// lockFile does not lock where flock is not available: there, keeping one
// process per data folder is left to the operator.
func lockFile(*os.File) error { return nil }
