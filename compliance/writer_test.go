package compliance

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/internal/check"
)

// sharedData is where CI lays the shared CloudTrail log files.
const sharedData = "../../shared/data/cloudtrail/invictus-ir"

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
)

func newClock(t time.Time) *check.Clock { return check.NewClock(t) }

func open(t testing.TB, dir string, clk *check.Clock, change ...func(*Config)) *Writer {
	t.Helper()
	cfg := Config{Dir: dir, Account: testAccount, Region: testRegion, Now: clk.Now}
	for _, c := range change {
		c(&cfg)
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func record(i int, at time.Time, account, region string) []byte {
	m := map[string]any{
		"eventVersion": "1.11", "eventTime": at.UTC().Format(cloudtrail.TimeFormat), "eventSource": "iam.amazonaws.com",
		"eventName": "GetUser", "eventID": fmt.Sprintf("id-%06d", i), "eventType": "AwsApiCall", "eventCategory": "Management",
	}
	if account != "" {
		m["recipientAccountId"] = account
	}
	if region != "" {
		m["awsRegion"] = region
	}
	b, _ := json.Marshal(m)
	return b
}

func add(t testing.TB, w *Writer, recs ...[]byte) {
	t.Helper()
	for _, r := range recs {
		if err := w.Add(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// crash stops w as a killed process would: no flush, no digest.
func crash(w *Writer) {
	close(w.quit)
	<-w.done
	w.commitMu.Lock()
	defer w.commitMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, s := range append(w.retained, w.seg) {
		if s.f != nil {
			s.f.Close()
		}
	}
}

// logKeys lists the log files under dir, as keys.
func logKeys(t testing.TB, dir string) []string {
	t.Helper()
	var keys []string
	_ = filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, string(filepath.Separator)+"CloudTrail"+string(filepath.Separator)) {
			keys = append(keys, relKey(dir, p))
		}
		return nil
	})
	return keys
}

func digestKeys(t testing.TB, dir string) []string {
	t.Helper()
	var keys []string
	_ = filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "CloudTrail-Digest") {
			keys = append(keys, relKey(dir, p))
		}
		return nil
	})
	slices.Sort(keys)
	return keys
}

func readLog(t testing.TB, dir, key string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []json.RawMessage
	if err := cloudtrail.ReadLog(f, func(r json.RawMessage) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return recs
}

func readDigest(t testing.TB, dir, key string) *cloudtrail.Digest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := cloudtrail.ReadDigest(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func journals(t testing.TB, dir string) []string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, pendingDir, "journal-*"))
	return names
}

func verifyOK(t testing.TB, dir string) *Report {
	t.Helper()
	r, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("verify failed:\n%s", r)
	}
	return r
}

var t0 = time.Date(2026, 11, 26, 10, 10, 0, 0, time.UTC)

func TestFlushAtMaxRecords(t *testing.T) {
	dir := t.TempDir()
	w := open(t, dir, newClock(t0), func(c *Config) { c.NoSync = true })
	defer w.Close()
	for i := range 999 {
		add(t, w, record(i, t0, "", ""))
	}
	if got := logKeys(t, dir); len(got) != 0 {
		t.Fatalf("log files before 1,000 records: %v", got)
	}
	if got, want := len(journals(t, dir)), 1; got != want {
		t.Fatalf("journal files: got %d, want %d", got, want)
	}
	add(t, w, record(999, t0, "", ""))
	keys := logKeys(t, dir)
	if got, want := len(keys), 1; got != want {
		t.Fatalf("log files after 1,000 records: got %d, want %d", got, want)
	}
	if got, want := len(readLog(t, dir, keys[0])), 1000; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
	if got := journals(t, dir); len(got) != 0 {
		t.Errorf("journal left after the flush: %v", got)
	}
	k, err := cloudtrail.ParseLogKey(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if k.Account != testAccount || k.Region != testRegion || !k.Time.Equal(t0) || len(k.Unique) != 16 {
		t.Errorf("key %s: %+v", keys[0], k)
	}
}

func TestFlushAtMaxAge(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	w := open(t, dir, clk)
	defer w.Close()
	add(t, w, record(1, t0, "", ""), record(2, t0, "", ""))
	clk.Set(t0.Add(2 * time.Minute))
	add(t, w, record(3, t0, "", ""))

	clk.Set(t0.Add(5*time.Minute - time.Second))
	w.tick()
	if got := logKeys(t, dir); len(got) != 0 {
		t.Fatalf("flushed before the age: %v", got)
	}
	clk.Set(t0.Add(5 * time.Minute))
	w.tick()
	keys := logKeys(t, dir)
	if got, want := len(keys), 1; got != want {
		t.Fatalf("log files at the age: got %d, want %d", got, want)
	}
	if got, want := len(readLog(t, dir, keys[0])), 3; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
	w.tick()
	if got, want := len(logKeys(t, dir)), 1; got != want {
		t.Errorf("log files after a tick with nothing pending: got %d, want %d", got, want)
	}
}

func TestRunFlushesOnItsTimer(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	w := open(t, dir, clk, func(c *Config) { c.MaxAge = time.Second })
	defer w.Close()
	add(t, w, record(1, t0, "", ""))
	clk.Set(t0.Add(time.Hour)) // every tick now finds the record old enough
	done := make(chan error)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(logKeys(t, dir)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not flush")
		}
		time.Sleep(10 * time.Millisecond) // a poll, not a wait for the timer
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRecordsGroupedByAccountAndRegion(t *testing.T) {
	dir := t.TempDir()
	w := open(t, dir, newClock(t0))
	add(t, w,
		record(1, t0, "", ""),                      // the Writer's account and region
		record(2, t0, "444455556666", "eu-west-1"), // its own
		record(3, t0, "444455556666", "eu-west-1"),
		record(4, t0, "", "ap-south-1"),
		record(5, t0, "../../etc", "us-east-1/x"), // names that cannot be keys: the Writer's
	)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, k := range logKeys(t, dir) {
		lk, err := cloudtrail.ParseLogKey(k)
		if err != nil {
			t.Fatal(err)
		}
		got[lk.Account+" "+lk.Region] += len(readLog(t, dir, k))
	}
	want := map[string]int{"111122223333 us-east-1": 2, "444455556666 eu-west-1": 2, "111122223333 ap-south-1": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records by account and region: got %v, want %v", got, want)
	}
	if got, want := len(digestKeys(t, dir)), 3; got != want {
		t.Errorf("digests: got %d, want %d (one per account and region)", got, want)
	}
	verifyOK(t, dir)
}

func TestRecordsKeptByteForByte(t *testing.T) {
	dir := t.TempDir()
	w := open(t, dir, newClock(t0))
	in := []string{`{"eventVersion":"1.08", "eventTime":"2026-11-26T10:00:00Z","x":"\u00e9"}`, "{\n \"eventName\": \"A\"\n}"}
	for _, r := range in {
		add(t, w, []byte(r))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	keys := logKeys(t, dir)
	if len(keys) != 1 {
		t.Fatalf("log files: %v", keys)
	}
	var got []string
	for _, r := range readLog(t, dir, keys[0]) {
		got = append(got, string(r))
	}
	if !slices.Equal(got, in) {
		t.Errorf("got %q, want %q", got, in)
	}
}

func TestAddRejectsWhatIsNotARecord(t *testing.T) {
	w := open(t, t.TempDir(), newClock(t0))
	defer w.Close()
	for _, in := range []string{``, `[1]`, `"x"`, `{"a":`, `{} {}`} {
		if err := w.Add(t.Context(), []byte(in)); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

func TestAddAfterCloseFails(t *testing.T) {
	w := open(t, t.TempDir(), newClock(t0))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(t.Context(), record(1, t0, "", "")); err != ErrClosed {
		t.Errorf("got %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestConcurrentAddsAllArrive(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(fmt.Sprintf("nosync %v: every record once", noSync), func(t *testing.T) {
			dir := t.TempDir()
			w := open(t, dir, newClock(t0), func(c *Config) { c.NoSync = noSync; c.MaxRecords = 300 })
			const workers, each = 8, 250
			var wg sync.WaitGroup
			for g := range workers {
				wg.Go(func() {
					for i := range each {
						if err := w.Add(t.Context(), record(g*each+i, t0, "", "")); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, k := range logKeys(t, dir) {
				recs := readLog(t, dir, k)
				if len(recs) > 300 {
					t.Errorf("%s: %d records, more than MaxRecords", k, len(recs))
				}
				for _, r := range recs {
					var f struct{ EventID string }
					_ = json.Unmarshal(r, &f)
					seen[f.EventID]++
				}
			}
			if got, want := len(seen), workers*each; got != want {
				t.Errorf("distinct records: got %d, want %d", got, want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s: %d times", id, n)
				}
			}
			verifyOK(t, dir)
		})
	}
}

func TestRecoveryAfterCrash(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	w := open(t, dir, clk)
	for i := range 5 {
		add(t, w, record(i, t0, "", ""))
	}
	crash(w)
	if got := logKeys(t, dir); len(got) != 0 {
		t.Fatalf("log files before recovery: %v", got)
	}
	js := journals(t, dir)
	if len(js) != 1 {
		t.Fatalf("journal files: %v", js)
	}
	// A record being written when the process died: never acknowledged.
	f, err := os.OpenFile(js[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"eventVersion":"1.11","eventI`)
	f.Close()
	// A file being written: never renamed into AWSLogs/.
	os.WriteFile(filepath.Join(dir, pendingDir, "tmp-123"), []byte("partial"), 0o644)

	clk.Set(t0.Add(time.Minute))
	w2 := open(t, dir, clk)
	keys := logKeys(t, dir)
	if got, want := len(keys), 1; got != want {
		t.Fatalf("log files after recovery: got %d, want %d", got, want)
	}
	if got, want := len(readLog(t, dir, keys[0])), 5; got != want {
		t.Errorf("records recovered: got %d, want %d", got, want)
	}
	if got := journals(t, dir); len(got) != 0 {
		t.Errorf("journal left after recovery: %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, pendingDir, "tmp-123")); err == nil {
		t.Error("a stale temporary file is left")
	}
	add(t, w2, record(6, t0, "", ""))
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	r := verifyOK(t, dir)
	if got, want := r.Records, 6; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
}

func TestDigestChainAcrossHoursAndRestart(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0) // 10:10
	w := open(t, dir, clk)
	add(t, w, record(1, t0, "", ""))
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := digestKeys(t, dir); len(got) != 0 {
		t.Fatalf("digest before the hour ended: %v", got)
	}

	clk.Set(t0.Add(52 * time.Minute)) // 11:02: hour 10 has ended
	add(t, w, record(2, clk.Now(), "", ""))
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	ds := digestKeys(t, dir)
	if len(ds) != 1 {
		t.Fatalf("digests after hour 10: %v", ds)
	}
	d1 := readDigest(t, dir, ds[0])
	if got, want := d1.DigestStartTime+" "+d1.DigestEndTime, "2026-11-26T10:00:00Z 2026-11-26T11:00:00Z"; got != want {
		t.Errorf("first digest's period: got %s, want %s", got, want)
	}
	if got, want := len(d1.LogFiles), 1; got != want {
		t.Errorf("first digest's log files: got %d, want %d", got, want)
	}
	if _, _, _, ok := d1.Previous(); ok {
		t.Error("the first digest names a previous one")
	}
	if got, want := d1.DigestSignatureAlgorithm, cloudtrail.ChainAlgorithm; got != want {
		t.Errorf("signature algorithm: got %s, want %s", got, want)
	}

	clk.Set(t0.Add(110 * time.Minute)) // 12:00: hour 11 has ended; a tick writes its digest
	w.tick()
	ds = digestKeys(t, dir)
	if len(ds) != 2 {
		t.Fatalf("digests after hour 11: %v", ds)
	}
	d2 := readDigest(t, dir, ds[1])
	b1, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ds[0])))
	if _, key, hash, _ := d2.Previous(); key != ds[0] || hash != cloudtrail.Hash(b1) {
		t.Errorf("second digest's previous: got %s %s, want %s %s", key, hash, ds[0], cloudtrail.Hash(b1))
	}

	clk.Set(t0.Add(130 * time.Minute)) // 12:20
	add(t, w, record(3, clk.Now(), "", ""))
	if err := w.Close(); err != nil { // a partial hour: a digest up to now
		t.Fatal(err)
	}
	ds = digestKeys(t, dir)
	if len(ds) != 3 {
		t.Fatalf("digests after Close: %v", ds)
	}
	d3 := readDigest(t, dir, ds[2])
	if got, want := d3.DigestStartTime+" "+d3.DigestEndTime, "2026-11-26T12:00:00Z 2026-11-26T12:20:00Z"; got != want {
		t.Errorf("partial digest's period: got %s, want %s", got, want)
	}

	// A new Writer goes on from the chain in the folder.
	clk.Set(t0.Add(140 * time.Minute)) // 12:30
	w2 := open(t, dir, clk)
	add(t, w2, record(4, clk.Now(), "", ""))
	clk.Set(t0.Add(170 * time.Minute)) // 13:00
	if err := w2.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	ds = digestKeys(t, dir)
	if len(ds) != 4 {
		t.Fatalf("digests after the restart: %v", ds)
	}
	d4 := readDigest(t, dir, ds[3])
	b3, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ds[2])))
	if _, key, hash, _ := d4.Previous(); key != ds[2] || hash != cloudtrail.Hash(b3) {
		t.Errorf("digest after the restart names %s %s, want %s %s", key, hash, ds[2], cloudtrail.Hash(b3))
	}
	if got, want := d4.DigestStartTime+" "+d4.DigestEndTime, "2026-11-26T12:20:00Z 2026-11-26T13:00:00Z"; got != want {
		t.Errorf("digest after the restart's period: got %s, want %s", got, want)
	}
	r := verifyOK(t, dir)
	if got, want := fmt.Sprint(r.LogFiles, r.Records, r.Digests, len(r.Chains)), "4 4 4 1"; got != want {
		t.Errorf("log files, records, digests, chains: got %s, want %s", got, want)
	}
}

func TestLogFilesOfACrashGoIntoTheNextDigest(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	w := open(t, dir, clk)
	add(t, w, record(1, t0, "", ""))
	if err := w.Close(); err != nil { // digest 1
		t.Fatal(err)
	}
	w = open(t, dir, clk)
	add(t, w, record(2, t0, "", ""))
	if err := w.Flush(t.Context()); err != nil { // a log file, then a crash before its digest
		t.Fatal(err)
	}
	crash(w)
	clk.Set(t0.Add(time.Minute))
	w = open(t, dir, clk)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ds := digestKeys(t, dir)
	if len(ds) != 2 {
		t.Fatalf("digests: %v", ds)
	}
	if got, want := len(readDigest(t, dir, ds[1]).LogFiles), 1; got != want {
		t.Errorf("log files in the digest after the crash: got %d, want %d", got, want)
	}
	verifyOK(t, dir)
}

func TestSharedRecordsCopied(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedData, "*.json"))
	if len(files) == 0 {
		t.Skipf("no shared CloudTrail data in %s (CI lays shared/ beside the clone)", sharedData)
	}
	dir := t.TempDir()
	w := open(t, dir, newClock(t0), func(c *Config) { c.NoSync = true })
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		err = cloudtrail.ReadLog(fh, func(r json.RawMessage) error { return w.Add(t.Context(), r) })
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := verifyOK(t, dir)
	if got, want := r.Records, 2900; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
	if got, want := r.LogFiles, 3; got != want { // 1,000 + 1,000 + 900
		t.Errorf("log files: got %d, want %d", got, want)
	}
	for _, k := range logKeys(t, dir) {
		if !strings.HasPrefix(k, "AWSLogs/123837392027/CloudTrail/us-east-1/2026/11/26/123837392027_CloudTrail_us-east-1_20261126T1010Z_") {
			t.Errorf("key %s is not the records' account and region", k)
		}
	}
	d := readDigest(t, dir, digestKeys(t, dir)[0])
	if got, want := *d.OldestEventTime+" "+*d.NewestEventTime, "2023-07-10T11:42:18Z 2023-07-10T12:37:50Z"; got != want {
		t.Errorf("event times: got %s, want %s", got, want)
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
