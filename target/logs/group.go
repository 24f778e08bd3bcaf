package logs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

const dayFormat = "2006-01-02"

// group is the target of one log group. It is safe for concurrent use:
// lock (a channel, so that waiting for it honours a context) guards the
// file and the count of lines written; syncLock, taken before lock when
// both are needed, guards what is known flushed. A writer holds lock only
// to write its line, and then waits for a flush that covers it: one flush
// at a time, each covering every line written before it began.
type group struct {
	k    *Kind
	name string
	dir  string

	lock   chan struct{}
	f      *os.File // nil until the first line, or after an error
	info   os.FileInfo
	day    string // of f
	size   int64  // of f, in whole lines
	seq    uint64 // lines written, ever
	closed bool

	syncLock chan struct{}
	synced   uint64 // lines up to this one are on disk
	failed   uint64 // lines up to this one (and above synced) lost their flush
}

// Invoke appends the payload to the group's file as one line.
func (g *group) Invoke(ctx context.Context, inv *target.Invocation) error {
	if err := ctx.Err(); err != nil {
		return ctxError(err, g.name)
	}
	now := g.k.opts.Now()
	line, err := encodeLine(inv.Payload, now)
	if err != nil {
		return &target.Error{Code: target.CodeInvalidPayload, Message: "the payload cannot be written as a log event", Err: err}
	}
	seq, err := g.write(ctx, line, now)
	if err != nil {
		return err
	}
	if g.k.opts.NoSync {
		return nil
	}
	return g.flush(ctx, seq)
}

// write appends line to the day's file and returns its number.
func (g *group) write(ctx context.Context, line []byte, now time.Time) (uint64, error) {
	select {
	case g.lock <- struct{}{}:
	case <-ctx.Done():
		return 0, ctxError(ctx.Err(), g.name)
	}
	defer func() { <-g.lock }()
	if g.closed {
		return 0, target.Retry(target.CodeInternal, "log group %s is closed: trailbridge is stopping", g.name)
	}
	if err := g.open(now); err != nil {
		return 0, errorf(err, "log group %s cannot be opened", g.name)
	}
	n, err := g.f.Write(line)
	if err != nil {
		// Cut a partial line back off, so that the next one starts on a
		// line of its own; failing that, start over from a new
		// descriptor, which repairs the file as it opens it.
		if n > 0 {
			if terr := g.f.Truncate(g.size); terr != nil {
				_ = g.retire()
			}
		}
		return 0, errorf(err, "log group %s cannot be written", g.name)
	}
	g.size += int64(n)
	g.seq++
	return g.seq, nil
}

// flush returns once line seq is on disk.
func (g *group) flush(ctx context.Context, seq uint64) error {
	select {
	case g.syncLock <- struct{}{}:
	case <-ctx.Done():
		return ctxError(ctx.Err(), g.name)
	}
	defer func() { <-g.syncLock }()
	switch {
	case seq <= g.failed:
		return target.Retry(target.CodeInternal, "log group %s: the file could not be flushed to disk", g.name)
	case seq <= g.synced:
		return nil // a flush that began after the line was written covered it
	}
	g.lock <- struct{}{}
	f, upto := g.f, g.seq
	<-g.lock
	if f == nil {
		// Only retire and close drop the file, and they flush it first.
		g.synced = upto
		return nil
	}
	err := f.Sync()
	if err == nil || errors.Is(err, os.ErrClosed) {
		// Closed means retired meanwhile, which flushed it.
		g.synced = upto
		return nil
	}
	// After a failed fsync the kernel may have dropped the lines it could
	// not write, and a later fsync could succeed without them: every line
	// in the file so far has failed, and the next starts a new descriptor.
	g.lock <- struct{}{}
	if g.f == f {
		_ = f.Close()
		g.f = nil
	}
	g.failed = g.seq
	<-g.lock
	return errorf(err, "log group %s: the file could not be flushed to disk", g.name)
}

// open makes g.f the file of now's day. The caller holds lock.
func (g *group) open(now time.Time) error {
	day := now.UTC().Format(dayFormat)
	path := filepath.Join(g.dir, day+".jsonl")
	if g.f != nil && g.day == day {
		// A file moved or deleted under us would swallow every line
		// written to it from now on.
		if fi, err := os.Stat(path); err == nil && os.SameFile(fi, g.info) {
			return nil
		}
	}
	if g.f != nil {
		if err := g.retire(); err != nil {
			return err
		}
	}
	newDir, err := mkdir(g.dir)
	if err != nil {
		return err
	}
	if newDir && !g.k.opts.NoSync {
		if err := syncDir(filepath.Dir(g.dir)); err != nil {
			return err
		}
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if errors.Is(statErr, os.ErrNotExist) && !g.k.opts.NoSync {
		if err := syncDir(g.dir); err != nil {
			_ = f.Close()
			return err
		}
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return err
	}
	size, err := repairTail(f, info.Size())
	if err != nil {
		_ = f.Close()
		return err
	}
	if g.day != day {
		g.prune(now)
	}
	g.f, g.info, g.day, g.size = f, info, day, size
	return nil
}

// retire flushes and closes g.f. The caller holds lock. When the flush
// fails the file stays, and so does the error.
func (g *group) retire() error {
	if !g.k.opts.NoSync {
		if err := g.f.Sync(); err != nil {
			return err
		}
	}
	err := g.f.Close()
	g.f = nil
	return err
}

func (g *group) close() error {
	g.syncLock <- struct{}{}
	defer func() { <-g.syncLock }()
	g.lock <- struct{}{}
	defer func() { <-g.lock }()
	g.closed = true
	if g.f == nil {
		return nil
	}
	if err := g.retire(); err != nil {
		g.failed = g.seq
		_ = g.f.Close()
		g.f = nil
		return err
	}
	g.synced = g.seq
	return nil
}

// prune removes the files older than KeepDays. Failing to is not worth
// failing a delivery for: the files stay until the next day's try.
func (g *group) prune(now time.Time) {
	if g.k.opts.KeepDays <= 0 {
		return
	}
	oldest := now.UTC().AddDate(0, 0, 1-g.k.opts.KeepDays).Format(dayFormat)
	entries, err := os.ReadDir(g.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		day, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || e.IsDir() {
			continue
		}
		if _, err := time.Parse(dayFormat, day); err == nil && day < oldest {
			_ = os.Remove(filepath.Join(g.dir, e.Name()))
		}
	}
}

// repairTail cuts off a last line without its newline, which only a write
// that never reported success (a crash, a full disk) leaves, and returns
// the file's new size.
func repairTail(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		n := min(int64(len(buf)), end)
		if _, err := f.ReadAt(buf[:n], end-n); err != nil && err != io.EOF {
			return 0, err
		}
		if i := strings.LastIndexByte(string(buf[:n]), '\n'); i >= 0 {
			end = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	if end == size {
		return size, nil
	}
	return end, f.Truncate(end)
}

// mkdir makes dir and its parents, and reports whether dir is new.
func mkdir(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	return true, nil
}

// syncDir flushes a folder, so that a file or folder just made in it
// survives a power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
