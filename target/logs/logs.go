package logs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

// Options tune a Kind. The zero value is the durable default.
type Options struct {
	// NoSync returns success once a line is written to the file, without
	// waiting for fsync: faster, but a power loss (not a crash of
	// trailbridge) can lose events that were reported delivered.
	NoSync bool
	// KeepDays, when positive, is how many daily files each group keeps,
	// today's included; older ones are removed when a group starts a day.
	KeepDays int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Kind writes log groups as files in one folder. It is safe for concurrent
// use; the groups of one folder must be written by one Kind, in one
// process, since lines are kept whole by its locks.
type Kind struct {
	dir  string
	opts Options

	mu     sync.Mutex
	groups map[string]*group // by name
	closed bool
}

// New returns the Kind that writes log groups under dir, which it creates
// when needed.
func New(dir string, opts Options) *Kind {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Kind{dir: dir, opts: opts, groups: map[string]*group{}}
}

// Target returns the log group an ARN names:
// arn:aws:logs:REGION:ACCOUNT:log-group:NAME, or NAME:*.
func (k *Kind) Target(_ context.Context, arn string) (target.Target, error) {
	name, err := parseARN(arn)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	g := k.groups[name]
	if g == nil {
		g = &group{
			k:        k,
			name:     name,
			dir:      filepath.Join(k.dir, escapeName(name)),
			lock:     make(chan struct{}, 1),
			syncLock: make(chan struct{}, 1),
			closed:   k.closed,
		}
		k.groups[name] = g
	}
	return g, nil
}

// GroupDir returns the folder that holds the files of the log group name.
func (k *Kind) GroupDir(name string) string {
	return filepath.Join(k.dir, escapeName(name))
}

// Close flushes and closes every group's file. Invocations after Close
// fail, retryably.
func (k *Kind) Close() error {
	k.mu.Lock()
	k.closed = true
	groups := make([]*group, 0, len(k.groups))
	for _, g := range k.groups {
		groups = append(groups, g)
	}
	k.mu.Unlock()
	var errs []error
	for _, g := range groups {
		errs = append(errs, g.close())
	}
	return errors.Join(errs...)
}

func parseARN(arn string) (string, error) {
	service, resource, ok := target.SplitARN(arn)
	name, isGroup := strings.CutPrefix(resource, "log-group:")
	if !ok || service != "logs" || !isGroup {
		return "", target.Fail(target.CodeInvalidPayload, "%q is not a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)", arn)
	}
	name = strings.TrimSuffix(name, ":*")
	if !validName(name) {
		return "", target.Fail(target.CodeInvalidPayload, "%q is not a log group name: 1 to 512 of A-Z a-z 0-9 . - _ / #", name)
	}
	return name, nil
}

// validName reports whether CloudWatch Logs accepts name for a log group.
func validName(name string) bool {
	if len(name) == 0 || len(name) > 512 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !plain(c) && c != '.' && c != '/' && c != '#' {
			return false
		}
	}
	return true
}

func plain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// maxDirName keeps escaped names within every file system's limit on a
// file name (255 bytes) with room to spare.
const maxDirName = 200

// escapeName maps a group name to one folder name, one to one: plain bytes
// stay, as does a '.' that is not first (so neither "." nor ".." can
// result), and the rest become %XX. A name too long for a folder is cut
// and given a '~' and a hash of the whole; '~' marks it, since no escaped
// name has one.
func escapeName(name string) string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(name)+8)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if plain(c) || (c == '.' && i > 0) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&0xF])
	}
	if len(b) <= maxDirName {
		return string(b)
	}
	sum := sha256.Sum256([]byte(name))
	const hashLen = 16
	return string(b[:maxDirName-1-hashLen]) + "~" + hex.EncodeToString(sum[:hashLen/2])
}

// ctxError is the error of an attempt whose context ended: a timeout when
// its deadline passed, else cancellation (trailbridge stopping), both worth
// another attempt.
func ctxError(err error, group string) *target.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &target.Error{Code: target.CodeTimeout, Message: "the attempt timed out before log group " + group + " was written", Retryable: true, Err: err}
	}
	return &target.Error{Code: target.CodeInternal, Message: "the attempt was cancelled before log group " + group + " was written", Retryable: true, Err: err}
}

func errorf(err error, format string, args ...any) *target.Error {
	return &target.Error{Code: target.CodeInternal, Message: fmt.Sprintf(format, args...), Retryable: true, Err: err}
}
