package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// copies of the shared data a run ingests: 35 × 2,900 = 101,500 records.
const ingestCopies = 35

// writeIngestCopies writes the shared records ingestCopies times, with
// eventIDs made unique by prefix, as gzipped log files in dir.
func writeIngestCopies(b *testing.B, dir, prefix string) int {
	files, _ := filepath.Glob(filepath.Join(sharedCloudTrail, "*.json"))
	var recs []map[string]any
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		err = cloudtrail.ReadLog(fh, func(r json.RawMessage) error {
			var m map[string]any
			if err := json.Unmarshal(r, &m); err != nil {
				return err
			}
			recs = append(recs, m)
			return nil
		})
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for c := range ingestCopies {
		var buf bytes.Buffer
		w := cloudtrail.NewLogWriter(&buf) // gzip-compressed, as CloudTrail writes them
		for _, m := range recs {
			m2 := make(map[string]any, len(m))
			for k, v := range m {
				m2[k] = v
			}
			m2["eventID"] = fmt.Sprintf("%s-%d-%v", prefix, c, m["eventID"])
			raw, _ := json.Marshal(m2)
			if err := w.Write(raw); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("copy-%03d.json.gz", c)), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return n
}

// BenchmarkIngest measures `trailbridge ingest cloudtrail` against a
// server on loopback with the default --sync always: records/s over the
// shared data repeated to more than 100,000 records, every record new
// (deduplication looks up and remembers each eventID).
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./cmd/trailbridge
func BenchmarkIngest(b *testing.B) {
	if _, err := os.Stat(sharedCloudTrail); err != nil {
		b.Skipf("no shared CloudTrail data at %s", sharedCloudTrail)
	}
	b.Run("compliance=off", func(b *testing.B) { benchIngest(b, false) })
	b.Run("compliance=on", func(b *testing.B) { benchIngest(b, true) })
}

// benchIngest is BenchmarkIngest with or without a compliance copy kept.
func benchIngest(b *testing.B, compliance bool) {
	o := benchOptions(b, b.TempDir(), "always")
	o.noDelivery = true
	if compliance {
		cfg := filepath.Join(b.TempDir(), "trailbridge.yaml")
		os.WriteFile(cfg, []byte("Audit:\n  ComplianceDir: "+b.TempDir()+"\n"), 0o600)
		o.ConfigFile = cfg
	}
	a, err := startApp(b.Context(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	f := &apiClientFlags{endpoint: &a.URL, region: new(string)}
	*f.region = "us-east-1"
	put, _ := f.putRecords("")
	total, elapsed := 0, time.Duration(0)
	for i := range b.N {
		b.StopTimer()
		dir := b.TempDir()
		n := writeIngestCopies(b, dir, fmt.Sprintf("run%d", i))
		files, _ := logFiles([]string{dir})
		in := &ingester{put: put, batch: 100, stderr: io.Discard, start: time.Now()}
		b.StartTimer()
		start := time.Now()
		if err := in.run(b.Context(), files, 4); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		if in.counts.Put != n {
			b.Fatalf("put %d of %d records: %+v", in.counts.Put, n, in.counts)
		}
		total += n
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(total)/float64(b.N), "records/op")
}
