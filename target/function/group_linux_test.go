package function_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/function"
)

// alive reports whether pid runs (a zombie, waiting for init to reap it,
// does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state …; comm may hold spaces and parentheses.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

func TestProcessGroupIsKilled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		code   string // "" for success
	}{
		// sleep holds the output pipes: without the group kill the
		// attempt would last as long as it does.
		{"on timeout", `sleep 60 & echo $! > "$PIDFILE"; wait`, target.CodeTimeout},
		{"when the command exits", `sleep 60 & echo $! > "$PIDFILE"; exit 0`, ""},
		{"when the command fails", `sleep 60 & echo $! > "$PIDFILE"; exit 1`, target.CodeTargetError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			start := time.Now()
			err := invoke(t, function.Spec{
				Command:     sh(tc.script),
				Environment: map[string]string{"PIDFILE": pidfile},
				Timeout:     500 * time.Millisecond,
			}, `{}`)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Invoke took %v: the leftover held it up", d)
			}
			var e *target.Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("Invoke: %v", err)
			case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code || !e.Retryable):
				t.Fatalf("Invoke error = %v, want a retryable %s", err, tc.code)
			}
			b, err := os.ReadFile(pidfile)
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
				if alive(pid) {
					return fmt.Errorf("the command's child %d still runs", pid)
				}
				return nil
			})
		})
	}
}
