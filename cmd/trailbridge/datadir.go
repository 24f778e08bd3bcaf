package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// lockName is the file in the data folder that one serve holds locked.
const lockName = "trailbridge.lock"

// errDataDirInUse is returned when another process holds the data folder.
var errDataDirInUse = errors.New("in use by another trailbridge process")

// openDataDir makes the data folder exist and takes it for this process:
// two servers writing one folder's JetStream store lose each other's
// writes (seen: a rule put through one server was gone after both
// restarted), so a second one is refused at once. The lock goes with the
// process, however it ends; release gives it back earlier.
func openDataDir(dir string) (release func(), err error) {
	if dir == "" {
		return nil, errors.New("--data-dir: empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errDataDirInUse) {
			if pid := strings.TrimSpace(string(holder)); pid != "" {
				return nil, fmt.Errorf("--data-dir %s: %w (pid %s); each process needs a data folder of its own", dir, errDataDirInUse, pid)
			}
			return nil, fmt.Errorf("--data-dir %s: %w; each process needs a data folder of its own", dir, errDataDirInUse)
		}
		return nil, fmt.Errorf("--data-dir %s: lock: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return func() { f.Close() }, nil
}
