package compliance

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// fixture writes a folder of three hours of log files and three digests
// (two hourly, one on Close) and returns its log and digest keys.
func fixture(t *testing.T) (dir string, logs, digests []string) {
	t.Helper()
	dir = t.TempDir()
	clk := newClock(t0)
	w := open(t, dir, clk)
	for i, step := range []time.Duration{0, 5 * time.Minute, 55 * time.Minute, 65 * time.Minute, 115 * time.Minute} {
		clk.Set(t0.Add(step))
		add(t, w, record(i, clk.Now(), "", ""), record(100+i, clk.Now(), "", ""))
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	logs, digests = logKeys(t, dir), digestKeys(t, dir)
	if len(logs) != 5 || len(digests) != 3 {
		t.Fatalf("fixture: %d log files, %d digests", len(logs), len(digests))
	}
	return dir, logs, digests
}

func filePath(dir, key string) string { return filepath.Join(dir, filepath.FromSlash(key)) }

func flipByte(t *testing.T, name string, at func(n int) int) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[at(len(b))] ^= 0x01
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewriteDigest changes a digest's JSON and gzips it again, as someone
// covering their tracks would.
func rewriteDigest(t *testing.T, name, old, new string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	js := string(gunzip(t, b))
	if !strings.Contains(js, old) {
		t.Fatalf("digest lacks %q", old)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Replace(js, old, new, 1)))
	zw.Close()
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	type want struct{ file, reason string }
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string, logs, digests []string) []want
	}{
		{"fresh folder passes", func(*testing.T, string, []string, []string) []want { return nil }},
		{"journal and temporary files are not part of the copy", func(t *testing.T, dir string, _, _ []string) []want {
			os.WriteFile(filepath.Join(dir, pendingDir, "journal-x.jsonl"), []byte("{}\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "README"), []byte("notes"), 0o644)
			return nil
		}},
		{"byte changed in a log file's gzip header fails naming it", func(t *testing.T, dir string, logs, _ []string) []want {
			flipByte(t, filePath(dir, logs[1]), func(int) int { return 4 }) // the header's time: the content still reads
			return []want{{logs[1], "changed"}}
		}},
		{"byte changed in the middle of a log file fails naming it", func(t *testing.T, dir string, logs, _ []string) []want {
			flipByte(t, filePath(dir, logs[2]), func(n int) int { return n / 2 })
			return []want{{logs[2], ""}}
		}},
		{"last byte of a log file changed fails naming it", func(t *testing.T, dir string, logs, _ []string) []want {
			flipByte(t, filePath(dir, logs[4]), func(n int) int { return n - 1 })
			return []want{{logs[4], ""}}
		}},
		{"deleted log file fails naming it", func(t *testing.T, dir string, logs, _ []string) []want {
			os.Remove(filePath(dir, logs[0]))
			return []want{{logs[0], "missing: listed in digest"}}
		}},
		{"added log file fails naming it", func(t *testing.T, dir string, logs, _ []string) []want {
			b, _ := os.ReadFile(filePath(dir, logs[0]))
			extra := strings.Replace(logs[0], "_20261126T1010Z_", "_20261126T1011Z_", 1)
			os.WriteFile(filePath(dir, extra), b, 0o644)
			return []want{{extra, "not in any digest"}}
		}},
		{"edited digest fails naming it", func(t *testing.T, dir string, _, digests []string) []want {
			rewriteDigest(t, filePath(dir, digests[0]), `"digestS3Bucket":""`, `"digestS3Bucket":"x"`)
			return []want{{digests[0], "changed: its SHA-256"}}
		}},
		{"digest edited to match a changed log file fails naming the digest", func(t *testing.T, dir string, logs, digests []string) []want {
			flipByte(t, filePath(dir, logs[0]), func(int) int { return 4 })
			b, _ := os.ReadFile(filePath(dir, logs[0]))
			d := readDigest(t, dir, digests[0])
			rewriteDigest(t, filePath(dir, digests[0]), d.LogFiles[0].HashValue, cloudtrail.Hash(b))
			return []want{{digests[0], "changed: its SHA-256"}}
		}},
		{"deleted digest fails naming it and its log files", func(t *testing.T, dir string, logs, digests []string) []want {
			d := readDigest(t, dir, digests[1])
			os.Remove(filePath(dir, digests[1]))
			w := []want{{digests[1], "missing: digest"}}
			for _, f := range d.LogFiles {
				w = append(w, want{f.S3Object, "not in any digest"})
			}
			return w
		}},
		{"deleted first digest fails naming it", func(t *testing.T, dir string, logs, digests []string) []want {
			d := readDigest(t, dir, digests[0])
			os.Remove(filePath(dir, digests[0]))
			w := []want{{digests[0], "missing: digest"}}
			for _, f := range d.LogFiles {
				w = append(w, want{f.S3Object, "not in any digest"})
			}
			return w
		}},
		{"unreadable digest fails naming it", func(t *testing.T, dir string, _, digests []string) []want {
			flipByte(t, filePath(dir, digests[2]), func(n int) int { return n / 2 })
			return []want{{digests[2], "unreadable digest"}}
		}},
		{"stray file in the copy fails naming it", func(t *testing.T, dir string, logs, _ []string) []want {
			stray := filepath.ToSlash(filepath.Dir(logs[0])) + "/notes.txt"
			os.WriteFile(filePath(dir, stray), []byte("x"), 0o644)
			return []want{{stray, "not a log file's name"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, logs, digests := fixture(t)
			wants := tc.change(t, dir, logs, digests)
			r, err := Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.OK(), len(wants) == 0; got != want {
				t.Fatalf("OK: got %v, want %v\n%s", got, want, r)
			}
			for _, w := range wants {
				found := false
				for _, p := range r.Problems {
					if p.File == w.file && strings.Contains(p.Reason, w.reason) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem %q for %s in\n%s", w.reason, w.file, r)
				}
			}
			for _, p := range r.Problems {
				if !strings.Contains(r.String(), p.String()) {
					t.Errorf("the report's text lacks %s", p)
				}
			}
		})
	}
}

func TestVerifyCounts(t *testing.T) {
	dir, _, _ := fixture(t)
	r := verifyOK(t, dir)
	if got, want := [3]int{r.LogFiles, r.Records, r.Digests}, [3]int{5, 10, 3}; got != want {
		t.Errorf("log files, records, digests: got %v, want %v", got, want)
	}
	if len(r.Chains) != 1 || r.Chains[0].Digests != 3 || r.Chains[0].HeadSHA256 == "" {
		t.Errorf("chains: %+v", r.Chains)
	}
	if s := r.String(); !strings.Contains(s, "5 log files, 10 records, 3 digests: OK") {
		t.Errorf("report:\n%s", s)
	}
}

func TestVerifyMissingFolderErrs(t *testing.T) {
	if _, err := Verify(filepath.Join(t.TempDir(), "nothing")); err == nil {
		t.Error("no error for a missing folder")
	}
}

// TestVerifyLiveFolder: log files a running writer has not yet covered
// with a digest are pending, not problems; after Close they are covered.
func TestVerifyLiveFolder(t *testing.T) {
	dir := t.TempDir()
	w := open(t, dir, newClock(t0), func(c *Config) { c.NoSync = true })
	add(t, w, record(1, t0, "", ""))
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Pending) != 1 || !strings.Contains(r.String(), "1 log files not yet in a digest") {
		t.Errorf("live folder: OK %v, pending %v\n%s", r.OK(), r.Pending, r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if r, err = Verify(dir); err != nil || !r.OK() || len(r.Pending) != 0 {
		t.Errorf("after Close: %v %v\n%s", err, r.Pending, r)
	}
}
