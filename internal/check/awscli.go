package check

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// AWSCLIs are the distinct aws command lines installed (Debian's at
// /usr/bin/aws, and the one on PATH), for tests that drive a server with
// each: Debian's aws CLI 2.9 speaks the older query protocols, newer ones
// JSON. Without one the test is skipped, or fails under CI, whose set-up
// installs it.
func AWSCLIs(t testing.TB) []string {
	t.Helper()
	var bins []string
	seen := map[string]bool{}
	for _, b := range []string{"/usr/bin/aws", "aws"} {
		p, err := exec.LookPath(b)
		if err != nil {
			continue
		}
		if r, err := filepath.EvalSymlinks(p); err == nil && !seen[r] {
			seen[r] = true
			bins = append(bins, p)
		}
	}
	if len(bins) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the aws CLI is not installed (.ci/run installs the awscli package)")
		}
		t.Skip("the aws CLI is not installed (apt-get install awscli)")
	}
	return bins
}
