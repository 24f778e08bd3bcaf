package compliance

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// pendingDir holds the journal and files being written, outside AWSLogs/.
const pendingDir = ".pending"

// folder is the Writer's view of its folder.
type folder struct {
	root    string
	pending string
	seq     atomic.Int64
}

func openFolder(dir string) (*folder, error) {
	f := &folder{root: dir, pending: filepath.Join(dir, pendingDir)}
	if err := os.MkdirAll(f.pending, 0o755); err != nil {
		return nil, err
	}
	// Files being written when a process stopped are incomplete.
	tmps, _ := filepath.Glob(filepath.Join(f.pending, "tmp-*"))
	for _, t := range tmps {
		_ = os.Remove(t)
	}
	return f, nil
}

// writeFile writes the file under key (a slash path below the root)
// atomically: to a temporary file, synced, renamed into place, its folder
// synced. It never replaces a file. It returns the SHA-256 of the bytes
// written.
func (f *folder) writeFile(key string, write func(io.Writer) error) (string, error) {
	dest := filepath.Join(f.root, filepath.FromSlash(key))
	if _, err := os.Lstat(dest); err == nil {
		return "", fmt.Errorf("%s exists", key)
	}
	tmp, err := os.CreateTemp(f.pending, "tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := f.mkdirAll(filepath.Dir(dest)); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return "", err
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// mkdirAll makes dir and syncs the folders that hold the new ones, so a
// renamed file's path survives a power loss.
func (f *folder) mkdirAll(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	top := dir
	for {
		parent := filepath.Dir(top)
		if _, err := os.Stat(parent); err == nil || parent == top {
			break
		}
		top = parent
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
		if d == top {
			return nil
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// A segment is one journal file: records as JSON lines, appended in
// groups. It is created at its first write. Its writes are serialized by
// the Writer's commitMu.
type segment struct {
	path    string
	f       *os.File
	err     error
	removed bool
}

func (f *folder) newSegment(now time.Time) *segment {
	name := fmt.Sprintf("journal-%s-%d-%d.jsonl", now.UTC().Format("20060102T150405.000000000Z"), os.Getpid(), f.seq.Add(1))
	return &segment{path: filepath.Join(f.pending, name)}
}

func (s *segment) write(b []byte, sync bool) error {
	if s.err != nil {
		return s.err
	}
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if err != nil {
			s.err = err
			return err
		}
		s.f = f
		if sync {
			if err := syncDir(filepath.Dir(s.path)); err != nil {
				s.err = err
				return err
			}
		}
	}
	if _, err := s.f.Write(b); err != nil {
		s.err = err // a partial line: nothing more goes after it
		return err
	}
	if sync {
		if err := s.f.Sync(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// remove deletes the segment once its records are in log files.
func (s *segment) remove() error {
	if s.removed {
		return nil
	}
	s.removed = true
	if s.f == nil {
		return nil
	}
	_ = s.f.Close()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// A batch is a group of journal lines written (and synced) together.
type batch struct {
	seg  *segment
	buf  []byte
	done chan struct{}
	err  error
}

func (b *batch) finish(sync bool) {
	b.err = b.seg.write(b.buf, sync)
	close(b.done)
}

// segments lists the journal files left in the folder.
func (f *folder) segments() ([]string, error) {
	names, err := filepath.Glob(filepath.Join(f.pending, "journal-*.jsonl"))
	slices.Sort(names)
	return names, err
}

// readSegment returns a journal file's records. A last line without its
// newline was being written when the process stopped, and was never
// acknowledged; a line that is not JSON is passed over likewise.
func readSegment(name string) (recs [][]byte, dropped int, err error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, 0, err
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			dropped++
			break
		}
		line := b[:i]
		b = b[i+1:]
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) || line[0] != '{' {
			dropped++
			continue
		}
		recs = append(recs, line)
	}
	return recs, dropped, nil
}

// day is one YYYY/MM/DD folder of log or digest files.
type day struct {
	date string // YYYY/MM/DD
	path string
}

// days lists the YYYY/MM/DD folders under base, oldest first.
func days(base string) []day {
	var out []day
	for _, y := range subdirs(base) {
		for _, m := range subdirs(filepath.Join(base, y)) {
			for _, d := range subdirs(filepath.Join(base, y, m)) {
				out = append(out, day{date: y + "/" + m + "/" + d, path: filepath.Join(base, y, m, d)})
			}
		}
	}
	return out
}

// subdirs lists the folders in dir, sorted.
func subdirs(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names // os.ReadDir sorts by name
}

// files lists the regular files in dir, sorted.
func files(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names
}

// relKey is a path below root as a key (slash-separated).
func relKey(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return path.Clean(filepath.ToSlash(rel))
}
