//go:build !unix

package function

import "os/exec"

// Without process groups, only the command itself is killed.
func newGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}

func notExecutable(error) bool { return false }

// lookPath looks in trailbridge's own PATH: on these systems the lookup
// depends on more than PATH (PATHEXT), which exec.LookPath knows.
func lookPath(name, _ string) (string, error) { return exec.LookPath(name) }
