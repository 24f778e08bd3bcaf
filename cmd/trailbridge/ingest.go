package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// ingestCounts are what an ingest run has done so far.
type ingestCounts struct {
	Files, Skipped           int // files read whole; files skipped as malformed or unreadable
	Records                  int // records read
	Put, Duplicates, Refused int // records put on the bus; already there; refused by the server
}

// putRecords sends one batch of records and says how many were put, were
// already on the bus, or were refused (with why, for the first refusal).
type putRecords func(ctx context.Context, recs []json.RawMessage) (put, dup, refused int, why string, err error)

// ingester puts the records of CloudTrail log files on a bus: a few
// workers read files and cut their records into batches, more senders put
// the batches. Every put waits for a synced write on the server, so
// throughput comes from having many batches in flight, which the server
// writes together (group commit).
type ingester struct {
	put      putRecords
	batch    int
	senders  int // batches in flight; 16 when 0
	stderr   io.Writer
	progress bool // redraw a progress line (stderr is a terminal)

	batches chan []json.RawMessage // to the senders, during run

	mu     sync.Mutex
	counts ingestCounts
	start  time.Time
	drawn  time.Time
}

// logFiles lists the log files under the paths: files given by name
// whatever they are called, and under folders (recursively) the files
// named *.json or *.json.gz, in name order.
func logFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(d.Name(), ".json") || strings.HasSuffix(d.Name(), ".json.gz")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// file puts one log file's records, batch by batch. A malformed file is
// reported with where it is malformed and skipped from there on; what came
// before in it is put (a second run after fixing the file puts only the
// rest, since records are deduplicated by eventID).
func (in *ingester) file(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		in.skip(path, err)
		return nil
	}
	defer f.Close()
	lr := cloudtrail.NewLogReader(f)
	var batch []json.RawMessage
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case in.batches <- batch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		batch = nil
		return nil
	}
	for {
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			in.skip(path, err)
			return nil
		}
		in.mu.Lock()
		in.counts.Records++
		in.mu.Unlock()
		batch = append(batch, rec)
		if len(batch) == in.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	in.mu.Lock()
	in.counts.Files++
	in.mu.Unlock()
	in.draw(false)
	return nil
}

// send puts a batch, retrying while the server cannot be reached or asks
// for a retry, until ctx ends.
func (in *ingester) send(ctx context.Context, batch []json.RawMessage) error {
	wait := 250 * time.Millisecond
	for {
		// A put under way finishes even when ingest is interrupted, so
		// that the summary counts what the server took.
		putCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		put, dup, refused, why, err := in.put(putCtx, batch)
		cancel()
		if err == nil {
			in.mu.Lock()
			in.counts.Put += put
			in.counts.Duplicates += dup
			in.counts.Refused += refused
			in.mu.Unlock()
			if refused > 0 {
				in.printf("%d records refused: %s\n", refused, why)
			}
			in.draw(false)
			return nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			return err
		}
		in.printf("put failed, retrying in %v: %v\n", wait, err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// fatalError is a refusal no retry can cure (a missing bus, bad
// credentials): ingest stops.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func (in *ingester) skip(path string, err error) {
	in.mu.Lock()
	in.counts.Skipped++
	in.mu.Unlock()
	var le *cloudtrail.LogError
	if errors.As(err, &le) {
		in.printf("%s:%v (file skipped)\n", path, err)
		return
	}
	in.printf("%s: %v (file skipped)\n", path, err)
}

// printf writes a line, clearing the progress line first.
func (in *ingester) printf(format string, args ...any) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.progress {
		fmt.Fprint(in.stderr, "\r\033[K")
	}
	fmt.Fprintf(in.stderr, format, args...)
}

// draw redraws the progress line at most every 200 ms (always when final).
func (in *ingester) draw(final bool) {
	if !in.progress {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	now := time.Now()
	if !final && now.Sub(in.drawn) < 200*time.Millisecond {
		return
	}
	in.drawn = now
	c := in.counts
	fmt.Fprintf(in.stderr, "\r\033[Kfiles %d  records %d  put %d  duplicates %d  %.0f records/s", c.Files, c.Records, c.Put, c.Duplicates, rate(c.Records, now.Sub(in.start)))
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func (in *ingester) summary() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	c := in.counts
	d := time.Since(in.start)
	s := fmt.Sprintf("%d files, %d records: %d put, %d already on the bus, %d refused; %d files skipped; %v (%.0f records/s)",
		c.Files, c.Records, c.Put, c.Duplicates, c.Refused, c.Skipped, d.Round(time.Millisecond), rate(c.Records, d))
	return s
}

// run ingests the files, with several files read and many batches sent
// at once. It stops at the first error no retry can cure.
func (in *ingester) run(parent context.Context, files []string, workers int) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	senders := in.senders
	if senders == 0 {
		senders = 16
	}
	in.batches = make(chan []json.RawMessage, senders)
	var sending sync.WaitGroup
	for range senders {
		sending.Go(func() {
			for b := range in.batches {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := in.send(ctx, b); err != nil {
					cancel(err)
				}
			}
		})
	}
	work := make(chan string)
	var reading sync.WaitGroup
	for range workers {
		reading.Go(func() {
			for path := range work {
				if err := in.file(ctx, path); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	reading.Wait()
	close(in.batches)
	sending.Wait()
	if err := context.Cause(ctx); err != nil && parent.Err() == nil {
		return err
	}
	return parent.Err()
}

// follow watches paths for new log files and ingests each once it has
// stopped growing, until ctx ends.
func (in *ingester) follow(ctx context.Context, paths []string, done map[string]bool, every time.Duration, workers int) error {
	sizes := map[string]int64{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
		files, err := logFiles(paths)
		if err != nil {
			in.printf("follow: %v\n", err)
			continue
		}
		var ready []string
		for _, f := range files {
			if done[f] {
				continue
			}
			info, err := os.Stat(f)
			if err != nil {
				continue
			}
			// A file still being written is taken once its size holds
			// still between two looks.
			if prev, ok := sizes[f]; !ok || prev != info.Size() {
				sizes[f] = info.Size()
				continue
			}
			ready = append(ready, f)
			done[f] = true
			delete(sizes, f)
		}
		if len(ready) > 0 {
			if err := in.run(ctx, ready, workers); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

func ingestCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "cloudtrail" {
		fmt.Fprintln(stderr, "usage: trailbridge ingest cloudtrail [flags] PATH...")
		return 2
	}
	fs := flag.NewFlagSet("ingest cloudtrail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	bus := fs.String("event-bus-name", "", "`bus` the records go to (default: the default bus)")
	followFlag := fs.Bool("follow", false, "keep watching the folders for new log files until interrupted")
	every := fs.Duration("interval", 2*time.Second, "how often --follow looks for new files")
	workers := fs.Int("concurrency", 4, "files read at once (16 batches are sent at once whatever it is)")
	jsonOut := fs.Bool("json", false, "print the summary as JSON on stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: trailbridge ingest cloudtrail [flags] PATH...")
		fmt.Fprintln(stderr, "Puts the records of CloudTrail log files (.json or .json.gz, folders recursively) on a bus of a")
		fmt.Fprintln(stderr, "trailbridge server, each as the event AWS would have produced, once: records already put are skipped.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 || *workers < 1 {
		fs.Usage()
		return 2
	}
	files, err := logFiles(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge ingest: %v\n", err)
		return 1
	}
	put, err := c.putRecords(*bus)
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge ingest: %v\n", err)
		return 2
	}
	in := &ingester{put: put, batch: 100, stderr: stderr, progress: isTerminal(stderr), start: time.Now()}
	err = in.run(ctx, files, *workers)
	if err == nil && *followFlag {
		done := map[string]bool{}
		for _, f := range files {
			done[f] = true
		}
		err = in.follow(ctx, fs.Args(), done, *every, *workers)
	}
	in.draw(true)
	if in.progress {
		fmt.Fprintln(stderr)
	}
	if *jsonOut {
		in.mu.Lock()
		json.NewEncoder(stdout).Encode(in.counts)
		in.mu.Unlock()
	}
	fmt.Fprintf(stderr, "ingested %s\n", in.summary())
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "trailbridge ingest: %v\n", err)
		return 1
	}
	if in.counts.Skipped > 0 || in.counts.Refused > 0 {
		return 1
	}
	return 0
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
