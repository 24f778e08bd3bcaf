package compliance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// ErrClosed is returned by Add after Close.
var ErrClosed = errors.New("compliance: writer closed")

// Config configures a Writer.
type Config struct {
	Dir        string        // the folder; created if missing
	Account    string        // for records without recipientAccountId; 12 digits
	Region     string        // for records without awsRegion; also the trail's home region
	TrailName  string        // in digest names; default "trailbridge"
	Bucket     string        // the bucket the copy is meant for, written in digests; may be empty
	MaxRecords int           // records that start a flush; default 1,000 (also the most in one log file)
	MaxAge     time.Duration // how long a record may wait for its flush; default 5 minutes
	// NoSync lets Add return once its record is written to the journal,
	// without waiting for the fsync: a process crash loses nothing, a
	// power loss can lose the last moments' records. Log and digest files
	// are synced either way.
	NoSync bool
	Logger *slog.Logger
	Now    func() time.Time // default time.Now; for tests
}

// A Writer writes the compliance copy of records into a folder. Add may
// be called from many goroutines at once; Flush, Run and Close too. One
// Writer at a time may own a folder.
type Writer struct {
	cfg Config
	log *slog.Logger
	fs  *folder

	mu      sync.Mutex // guards what follows
	closed  bool
	open    *batch   // the journal group being filled
	seg     *segment // the journal segment new groups go to
	pending map[groupKey]*group
	count   int
	first   time.Time // when the oldest pending record was added
	valid   map[groupKey]bool

	commitMu sync.Mutex // held while a group is written to the journal
	kick     chan struct{}
	quit     chan struct{}
	done     chan struct{}

	flushMu  sync.Mutex // serializes flushes and digests; guards what follows
	retained []*segment // journal segments whose records a failed flush put back
	chains   map[groupKey]*chain
	shut     bool // the final flush is done
}

type groupKey struct{ account, region string }

type group struct {
	key     groupKey
	records []entry
}

type entry struct {
	record    []byte
	eventTime string // cloudtrail.TimeFormat, or empty
}

// New opens the folder: it writes records left in the journal by a
// previous process into log files and finds each digest chain's newest
// digest. Call Run to flush on time and Close to finish.
func New(cfg Config) (*Writer, error) {
	if cfg.TrailName == "" {
		cfg.TrailName = "trailbridge"
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = 1000
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Dir == "" {
		return nil, errors.New("compliance: no folder")
	}
	if !validNames(cfg.Account, cfg.Region) {
		return nil, fmt.Errorf("compliance: account %q and region %q cannot name log files", cfg.Account, cfg.Region)
	}
	if _, err := cloudtrail.ParseDigestKey((cloudtrail.DigestKey{Account: cfg.Account, Region: cfg.Region, Trail: cfg.TrailName, HomeRegion: cfg.Region, Time: time.Unix(0, 0)}).Name()); err != nil || !trailName(cfg.TrailName) {
		return nil, fmt.Errorf("compliance: trail name %q cannot name digest files", cfg.TrailName)
	}
	fs, err := openFolder(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	w := &Writer{
		cfg:     cfg,
		log:     cfg.Logger,
		fs:      fs,
		pending: map[groupKey]*group{},
		valid:   map[groupKey]bool{},
		kick:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		chains:  map[groupKey]*chain{},
	}
	if err := w.recover(); err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	w.seg = w.fs.newSegment(cfg.Now())
	go w.commit()
	return w, nil
}

// trailName accepts CloudTrail's trail names: letters, digits, periods,
// underscores and dashes.
func trailName(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

func validNames(account, region string) bool {
	_, err := cloudtrail.ParseLogKey(cloudtrail.LogKey{Account: account, Region: region, Time: time.Unix(0, 0), Unique: "x"}.Name())
	return err == nil
}

// recordFields are the fields of a record the Writer reads.
type recordFields struct {
	RecipientAccountID string `json:"recipientAccountId"`
	AWSRegion          string `json:"awsRegion"`
	EventTime          string `json:"eventTime"`
}

// Add accepts one record, a CloudTrail record's JSON. It returns once the
// record is in the journal (synced unless Config.NoSync), or with ctx's
// error if ctx ends first; the record may then still be written. When
// Add brings the pending records to MaxRecords, it also flushes them.
func (w *Writer) Add(ctx context.Context, record []byte) error {
	var f recordFields
	if err := json.Unmarshal(record, &f); err != nil {
		return fmt.Errorf("compliance: record: %w", err)
	}
	rec := bytes.TrimSpace(record)
	if rec[0] != '{' {
		return errors.New("compliance: a record must be a JSON object")
	}
	rec = bytes.Clone(rec)
	line := rec
	if bytes.IndexByte(rec, '\n') >= 0 {
		var buf bytes.Buffer
		_ = json.Compact(&buf, rec) // valid: Unmarshal said so
		line = buf.Bytes()
	}
	e := entry{record: rec}
	if t, err := time.Parse(time.RFC3339Nano, f.EventTime); err == nil {
		e.eventTime = t.UTC().Format(cloudtrail.TimeFormat)
	}

	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	k := w.groupOf(f)
	b := w.appendLocked(k, e, line)
	full := w.count >= w.cfg.MaxRecords
	w.mu.Unlock()

	select {
	case w.kick <- struct{}{}:
	default:
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if b.err != nil {
		return fmt.Errorf("compliance: journal: %w", b.err)
	}
	if full {
		w.flushIf(func() bool { return w.count >= w.cfg.MaxRecords })
	}
	return nil
}

// groupOf is the record's account and region, or the Writer's where the
// record has none or one that cannot be part of a key. w.mu is held.
func (w *Writer) groupOf(f recordFields) groupKey {
	k := groupKey{f.RecipientAccountID, f.AWSRegion}
	if k.account == "" {
		k.account = w.cfg.Account
	}
	if k.region == "" {
		k.region = w.cfg.Region
	}
	ok, seen := w.valid[k]
	if !seen {
		ok = validNames(k.account, k.region)
		if len(w.valid) < 10000 {
			w.valid[k] = ok
		}
	}
	if !ok {
		return groupKey{w.cfg.Account, w.cfg.Region}
	}
	return k
}

// appendLocked adds an entry to the pending records and its line to the
// open journal group, which it returns. w.mu is held.
func (w *Writer) appendLocked(k groupKey, e entry, line []byte) *batch {
	b := w.open
	if b == nil {
		b = &batch{seg: w.seg, done: make(chan struct{})}
		w.open = b
	}
	b.buf = append(b.buf, line...)
	b.buf = append(b.buf, '\n')
	g := w.pending[k]
	if g == nil {
		g = &group{key: k}
		w.pending[k] = g
	}
	g.records = append(g.records, e)
	if w.count == 0 {
		w.first = w.cfg.Now()
	}
	w.count++
	return b
}

// commit writes the journal: each time it is kicked, the open group in
// one write (and one fsync).
func (w *Writer) commit() {
	defer close(w.done)
	for {
		select {
		case <-w.kick:
		case <-w.quit:
			return
		}
		w.commitMu.Lock()
		w.mu.Lock()
		b := w.open
		w.open = nil
		w.mu.Unlock()
		if b != nil {
			b.finish(!w.cfg.NoSync)
		}
		w.commitMu.Unlock()
	}
}

// Flush writes the pending records to log files now, then any digests
// that are due.
func (w *Writer) Flush(ctx context.Context) error {
	return w.flush(false)
}

// flushIf flushes when cond, checked under w.mu once the flush lock is
// held, is true. Errors are logged: the records stay pending.
func (w *Writer) flushIf(cond func() bool) {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	if w.shut {
		return
	}
	w.mu.Lock()
	due := cond()
	w.mu.Unlock()
	if !due {
		if err := w.writeDigests(w.cfg.Now(), false); err != nil {
			w.log.Error("compliance digest", "err", err)
		}
		return
	}
	if err := w.flushLocked(false); err != nil {
		w.log.Error("compliance flush", "err", err)
	}
}

func (w *Writer) flush(final bool) error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	return w.flushLocked(final)
}

// flushLocked writes every pending record to log files and then the
// digests due (all of them when final). w.flushMu is held.
func (w *Writer) flushLocked(final bool) error {
	if w.shut {
		return nil
	}
	now := w.cfg.Now()

	// Seal the pending records and their journal: new records go to a new
	// segment, the open group is written to the old one first.
	w.commitMu.Lock()
	w.mu.Lock()
	groups := w.pending
	w.pending = map[groupKey]*group{}
	w.count = 0
	b := w.open
	w.open = nil
	old := w.seg
	w.seg = w.fs.newSegment(now)
	w.mu.Unlock()
	if b != nil {
		b.finish(!w.cfg.NoSync)
	}
	w.commitMu.Unlock()

	var errs []error
	var failed []*group
	for _, g := range sortedGroups(groups) {
		if err := w.writeLogs(g, now); err != nil {
			errs = append(errs, err)
			failed = append(failed, g)
		}
	}
	if len(failed) > 0 {
		// The records stay pending, and their journal stays until a flush
		// writes them.
		w.mu.Lock()
		for _, g := range failed {
			p := w.pending[g.key]
			if p == nil {
				p = &group{key: g.key}
				w.pending[g.key] = p
			}
			p.records = append(g.records, p.records...)
			if w.count == 0 {
				w.first = now
			}
			w.count += len(g.records)
		}
		w.mu.Unlock()
		w.retained = append(w.retained, old)
	} else {
		for _, s := range append(w.retained, old) {
			if err := s.remove(); err != nil {
				errs = append(errs, err)
			}
		}
		w.retained = nil
	}
	if err := w.writeDigests(now, final); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func sortedGroups(m map[groupKey]*group) []*group {
	gs := make([]*group, 0, len(m))
	for _, g := range m {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.key.account, b.key.account), cmp.Compare(a.key.region, b.key.region))
	})
	return gs
}

// writeLogs writes a group's records as log files of at most MaxRecords
// records each. On an error, g keeps the records not written.
func (w *Writer) writeLogs(g *group, now time.Time) error {
	for len(g.records) > 0 {
		n := min(len(g.records), w.cfg.MaxRecords)
		key := cloudtrail.NewLogKey(g.key.account, g.key.region, now)
		var newest, oldest string
		hash, err := w.fs.writeFile(key.String(), func(wr io.Writer) error {
			lw := cloudtrail.NewLogWriter(wr)
			for _, e := range g.records[:n] {
				if err := lw.Write(e.record); err != nil {
					return err
				}
				if e.eventTime != "" {
					if newest == "" || e.eventTime > newest {
						newest = e.eventTime
					}
					if oldest == "" || e.eventTime < oldest {
						oldest = e.eventTime
					}
				}
			}
			return lw.Close()
		})
		if err != nil {
			return fmt.Errorf("log file %s: %w", key, err)
		}
		w.chainOf(g.key).add(key, cloudtrail.DigestLogFile{
			S3Bucket: w.cfg.Bucket, S3Object: key.String(), HashValue: hash, HashAlgorithm: cloudtrail.HashAlgorithm,
			NewestEventTime: newest, OldestEventTime: oldest,
		})
		w.log.Debug("compliance log file", "key", key.String(), "records", n)
		g.records = g.records[n:]
	}
	return nil
}

// Run flushes pending records once the oldest has waited MaxAge, and
// writes digests when an hour ends, until ctx ends. Errors are logged
// and tried again on the next tick. Run does not flush when ctx ends:
// Close does.
func (w *Writer) Run(ctx context.Context) error {
	step := min(max(w.cfg.MaxAge/10, 100*time.Millisecond), 30*time.Second)
	t := time.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			w.tick()
		}
	}
}

// tick flushes if the oldest pending record has waited MaxAge, or
// writes the digests due.
func (w *Writer) tick() {
	w.flushIf(func() bool { return w.count > 0 && w.cfg.Now().Sub(w.first) >= w.cfg.MaxAge })
}

// Close flushes the pending records, writes digests of every log file
// not yet in one (see the package comment on partial hours) and stops
// the Writer. Add fails with ErrClosed after Close.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()

	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	err := w.flushLocked(true)
	w.shut = true
	close(w.quit)
	<-w.done
	w.mu.Lock()
	seg := w.seg
	w.mu.Unlock()
	if rerr := seg.remove(); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("compliance: close: %w", err)
	}
	return nil
}
