package function

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

const (
	// outputHead and outputTail are how much of each output stream an
	// invocation keeps for the log: its first and its last bytes.
	outputHead = 4 << 10
	outputTail = 4 << 10
	// stderrInError bounds the standard error quoted in a failure's
	// message (which may end up in a dead-letter message attribute).
	stderrInError = 512
	// pipeGrace is how long the output of a finished command may stay
	// open, held by a process that left its process group.
	pipeGrace = 2 * time.Second
)

// run runs the command once with the payload on its standard input.
func (f *function) run(ctx context.Context, inv *target.Invocation) error {
	env := f.environment(inv)
	prog, err := lookPath(f.spec.Command[0], envValue(env, "PATH"))
	if err != nil {
		return &target.Error{Code: target.CodeNoResource, Message: fmt.Sprintf("function %s: cannot run %s", f.spec.Name, f.spec.Command[0]), Err: err}
	}
	// Not exec.CommandContext: its Cancel would kill only the process,
	// and Wait would wait on pipes its children hold. The process group
	// and the pipes are handled here.
	cmd := exec.Command(prog, f.spec.Command[1:]...)
	cmd.Args[0] = f.spec.Command[0]
	cmd.Env = env
	cmd.Dir = f.spec.Dir
	newGroup(cmd)

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return target.Retry(target.CodeInternal, "function %s: %v", f.spec.Name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW)
		return target.Retry(target.CodeInternal, "function %s: %v", f.spec.Name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW, outR, outW)
		return target.Retry(target.CodeInternal, "function %s: %v", f.spec.Name, err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, outW, errW
	err = cmd.Start()
	// The child has its copies; the parent's would keep the pipes open.
	closeAll(stdinR, outW, errW)
	if err != nil {
		closeAll(stdinW, outR, errR)
		return f.startError(err)
	}

	var wg sync.WaitGroup
	wg.Go(func() {
		// A command may exit without reading its input: the broken pipe
		// is its business, not a failure of the delivery.
		_, _ = stdinW.Write(inv.Payload)
		_ = stdinW.Close()
	})
	stdout, stderr := newCapture(), newCapture()
	wg.Go(func() { _, _ = io.Copy(stdout, outR) })
	wg.Go(func() { _, _ = io.Copy(stderr, errR) })

	// The watcher kills the group when the attempt's context ends first,
	// and says whether it did, so that a timeout is reported as one and
	// not as the signal that ended the command.
	exited := make(chan struct{})
	killedBy := make(chan error, 1)
	go func() {
		select {
		case <-ctx.Done():
			_ = killGroup(cmd)
			killedBy <- ctx.Err()
		case <-exited:
			killedBy <- nil
		}
	}()
	waitErr := cmd.Wait()
	close(exited)
	if err := <-killedBy; err != nil {
		waitErr = err
	}
	// Whatever the command left behind in its group goes with it, and its
	// pipes then close; a process that left the group gets pipeGrace to
	// close them. The group's id stays taken while any member lives, so
	// this reaches only them (or, with none left, finds no group).
	_ = killGroup(cmd)
	_ = stdinW.Close()
	grace := time.AfterFunc(pipeGrace, func() { closeAll(outR, errR) })
	wg.Wait()
	grace.Stop()
	closeAll(outR, errR)

	f.logOutput(inv, waitErr, stdout, stderr)
	switch {
	case waitErr == nil:
		return nil
	case errors.Is(waitErr, context.DeadlineExceeded):
		return &target.Error{Code: target.CodeTimeout, Message: fmt.Sprintf("function %s did not finish before the attempt's deadline (its own timeout is %v); its process group was killed", f.spec.Name, f.spec.Timeout), Retryable: true, Err: waitErr}
	case errors.Is(waitErr, context.Canceled):
		return &target.Error{Code: target.CodeInternal, Message: fmt.Sprintf("function %s was stopped: the attempt was cancelled", f.spec.Name), Retryable: true, Err: waitErr}
	}
	var exit *exec.ExitError
	if !errors.As(waitErr, &exit) {
		return &target.Error{Code: target.CodeInternal, Message: fmt.Sprintf("function %s", f.spec.Name), Retryable: true, Err: waitErr}
	}
	msg := fmt.Sprintf("function %s %s", f.spec.Name, exitStatus(exit))
	if last := lastLines(stderr.tail(), 3, stderrInError); last != "" {
		msg += ": " + last
	}
	return target.Retry(target.CodeTargetError, "%s", msg)
}

// startError classifies a command that did not start: a program that
// cannot be run (missing, not executable, a missing working directory)
// will not start on a retry either.
func (f *function) startError(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, exec.ErrNotFound) || notExecutable(err) {
		return &target.Error{Code: target.CodeNoResource, Message: fmt.Sprintf("function %s: cannot run %s", f.spec.Name, f.spec.Command[0]), Err: err}
	}
	return &target.Error{Code: target.CodeInternal, Message: fmt.Sprintf("function %s: cannot start %s", f.spec.Name, f.spec.Command[0]), Retryable: true, Err: err}
}

// environment is the command's environment: a minimal base, the spec's
// variables, then the invocation's, which the spec cannot hide.
func (f *function) environment(inv *target.Invocation) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	env := []string{"PATH=" + path}
	if home := os.Getenv("HOME"); home != "" {
		env = append(env, "HOME="+home)
	}
	for k, v := range f.spec.Environment {
		env = append(env, k+"="+v)
	}
	for _, kv := range f.invocationVars(inv) {
		env = append(env, "TRAILBRIDGE_"+kv[0]+"="+kv[1])
	}
	return dedupEnv(env)
}

// dedupEnv keeps the last value of each variable, as exec does, so that
// envValue and the command see the same one.
func dedupEnv(env []string) []string {
	seen := map[string]int{}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := seen[k]; ok {
			out[i] = kv
			continue
		}
		seen[k] = len(out)
		out = append(out, kv)
	}
	return out
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

func (f *function) logOutput(inv *target.Invocation, err error, stdout, stderr *capture) {
	if stdout.n == 0 && stderr.n == 0 {
		return
	}
	attrs := []any{"function", f.spec.Name, "rule", inv.Rule, "bus", inv.Bus, "attempt", inv.Attempt}
	if id := eventID(inv.Event); id != "" {
		attrs = append(attrs, "event", id)
	}
	if stdout.n > 0 {
		attrs = append(attrs, "stdout", stdout.String())
	}
	if stderr.n > 0 {
		attrs = append(attrs, "stderr", stderr.String())
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	f.kind.log.Log(context.Background(), level, "function output", attrs...)
}

func exitStatus(e *exec.ExitError) string {
	if code := e.ExitCode(); code >= 0 {
		return fmt.Sprintf("exited with status %d", code)
	}
	return "ended: " + e.Error() // killed by a signal
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// capture keeps the first outputHead and the last outputTail bytes written
// to it, and counts them all. It is written by one goroutine and read once
// that one is done.
type capture struct {
	head []byte
	ring []byte // what followed the head: its last outputTail bytes at least, 2*outputTail at most
	n    int64
}

func newCapture() *capture { return &capture{} }

func (c *capture) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	rest := p
	if room := outputHead - len(c.head); room > 0 {
		k := min(room, len(rest))
		c.head = append(c.head, rest[:k]...)
		rest = rest[k:]
	}
	switch {
	case len(rest) >= outputTail:
		c.ring = append(c.ring[:0], rest[len(rest)-outputTail:]...)
	case len(c.ring)+len(rest) > 2*outputTail:
		keep := c.ring[len(c.ring)-(outputTail-len(rest)):]
		c.ring = append(append(c.ring[:0], keep...), rest...)
	default:
		c.ring = append(c.ring, rest...)
	}
	return len(p), nil
}

// whole reports whether head and ring hold everything written.
func (c *capture) whole() bool { return int64(len(c.head)+len(c.ring)) == c.n }

// tail returns the last outputTail bytes written, or all of them.
func (c *capture) tail() []byte {
	all := c.ring
	if c.whole() {
		all = append(append([]byte(nil), c.head...), c.ring...)
	}
	return all[max(0, len(all)-outputTail):]
}

// String is the output as logged: all of it, or its beginning and its end
// around a note of how much was left out.
func (c *capture) String() string {
	if c.n <= outputHead+outputTail {
		return strings.ToValidUTF8(string(c.head)+string(c.ring), "\uFFFD")
	}
	t := c.ring[len(c.ring)-outputTail:]
	omitted := c.n - int64(len(c.head)+len(t))
	return strings.ToValidUTF8(string(c.head), "\uFFFD") + fmt.Sprintf("\n…[%d bytes left out]…\n", omitted) + strings.ToValidUTF8(string(t), "\uFFFD")
}

// lastLines returns the last n non-empty lines of b joined by " | ", at
// most limit bytes of them, as valid UTF-8.
func lastLines(b []byte, n, limit int) string {
	lines := bytes.Split(bytes.TrimRight(b, "\r\n\t "), []byte("\n"))
	var keep []string
	size := 0
	for i := len(lines) - 1; i >= 0 && len(keep) < n; i-- {
		l := strings.TrimSpace(strings.ToValidUTF8(string(lines[i]), "\uFFFD"))
		if l == "" {
			continue
		}
		if size+len(l) > limit {
			if len(keep) == 0 {
				keep = append(keep, "…"+truncateLeft(l, limit))
			}
			break
		}
		size += len(l) + 3
		keep = append(keep, l)
	}
	for i, j := 0, len(keep)-1; i < j; i, j = i+1, j-1 {
		keep[i], keep[j] = keep[j], keep[i]
	}
	return strings.Join(keep, " | ")
}

// truncateLeft keeps the last limit bytes of s, cut at a rune boundary.
func truncateLeft(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	s = s[len(s)-limit:]
	for len(s) > 0 && !isRuneStart(s[0]) {
		s = s[1:]
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
