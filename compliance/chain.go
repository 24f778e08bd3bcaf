package compliance

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// A chain is the digests of one account and region: the newest one, and
// the log files written since that no digest lists yet.
type chain struct {
	key      groupKey
	head     string    // key of the newest digest; empty before the first
	headHash string    // its SHA-256
	headEnd  time.Time // its digestEndTime
	files    []undigested
}

type undigested struct {
	t    time.Time // the log key's time
	file cloudtrail.DigestLogFile
}

func (c *chain) add(k cloudtrail.LogKey, f cloudtrail.DigestLogFile) {
	c.files = append(c.files, undigested{t: k.Time, file: f})
}

// chainOf returns the chain of k. w.flushMu is held (or the Writer is
// being opened).
func (w *Writer) chainOf(k groupKey) *chain {
	c := w.chains[k]
	if c == nil {
		c = &chain{key: k}
		w.chains[k] = c
	}
	return c
}

// writeDigests writes, for each chain, a digest of the log files written
// before the last hour's end, and when final a digest of all the others.
// w.flushMu is held.
func (w *Writer) writeDigests(now time.Time, final bool) error {
	boundary := now.UTC().Truncate(time.Hour)
	keys := make([]groupKey, 0, len(w.chains))
	for k := range w.chains {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupKey) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region))
	})
	var errs []error
	for _, k := range keys {
		c := w.chains[k]
		var due, rest []undigested
		for _, u := range c.files {
			if u.t.Before(boundary) {
				due = append(due, u)
			} else {
				rest = append(rest, u)
			}
		}
		if len(due) > 0 {
			if err := w.writeDigest(c, due, boundary); err != nil {
				errs = append(errs, err)
				continue
			}
			c.files = rest
		}
		if final && len(c.files) > 0 {
			if err := w.writeDigest(c, c.files, now.UTC().Truncate(time.Second)); err != nil {
				errs = append(errs, err)
				continue
			}
			c.files = nil
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("digests: %w", errors.Join(errs...))
	}
	return nil
}

// writeDigest writes the digest of files ending at end, chained to c's
// newest digest.
func (w *Writer) writeDigest(c *chain, files []undigested, end time.Time) error {
	var start time.Time
	if c.head != "" {
		start = c.headEnd
		if !end.After(start) { // digest keys (to the second) must grow
			end = start.Add(time.Second)
		}
	} else {
		start = files[0].t
		for _, u := range files {
			if u.t.Before(start) {
				start = u.t
			}
		}
		start = start.Truncate(time.Hour)
	}
	key := cloudtrail.DigestKey{Account: c.key.account, Region: c.key.region, Trail: w.cfg.TrailName, HomeRegion: w.cfg.Region, Time: end}
	d := &cloudtrail.Digest{
		AWSAccountID:             c.key.account,
		DigestStartTime:          start.UTC().Format(cloudtrail.TimeFormat),
		DigestEndTime:            end.UTC().Format(cloudtrail.TimeFormat),
		DigestS3Bucket:           w.cfg.Bucket,
		DigestS3Object:           key.String(),
		DigestSignatureAlgorithm: cloudtrail.ChainAlgorithm,
	}
	for _, u := range files {
		d.LogFiles = append(d.LogFiles, u.file)
	}
	d.SetEventTimes()
	if c.head != "" {
		d.SetPrevious(w.cfg.Bucket, c.head, c.headHash)
	}
	b, err := d.MarshalFile()
	if err != nil {
		return err
	}
	hash, err := w.fs.writeFile(key.String(), func(wr io.Writer) error {
		_, err := wr.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("digest %s: %w", key, err)
	}
	c.head, c.headHash, c.headEnd = key.String(), hash, end
	w.log.Info("compliance digest", "key", key.String(), "logFiles", len(files))
	return nil
}

// recover finds each chain's newest digest and the log files no digest
// lists, then writes the records left in the journal as log files.
func (w *Writer) recover() error {
	if err := w.loadChains(); err != nil {
		return err
	}
	segs, err := w.fs.segments()
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		return nil
	}
	groups := map[groupKey]*group{}
	total, dropped := 0, 0
	for _, s := range segs {
		recs, d, err := readSegment(s)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		dropped += d
		for _, rec := range recs {
			var f recordFields
			if json.Unmarshal(rec, &f) != nil {
				dropped++
				continue
			}
			e := entry{record: rec}
			if t, err := time.Parse(time.RFC3339Nano, f.EventTime); err == nil {
				e.eventTime = t.UTC().Format(cloudtrail.TimeFormat)
			}
			k := w.groupOf(f)
			g := groups[k]
			if g == nil {
				g = &group{key: k}
				groups[k] = g
			}
			g.records = append(g.records, e)
			total++
		}
	}
	now := w.cfg.Now()
	for _, g := range sortedGroups(groups) {
		if err := w.writeLogs(g, now); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	for _, s := range segs {
		if err := os.Remove(s); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	if err := syncDir(w.fs.pending); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	w.log.Info("compliance journal recovered", "records", total, "segments", len(segs), "dropped", dropped)
	return nil
}

// loadChains reads the folder for each account and region's newest
// digest of the trail, and the log files written after it that no digest
// lists.
func (w *Writer) loadChains() error {
	base := filepath.Join(w.fs.root, "AWSLogs")
	for _, account := range subdirs(base) {
		if strings.HasPrefix(account, "o-") {
			continue
		}
		regions := append(subdirs(filepath.Join(base, account, "CloudTrail")), subdirs(filepath.Join(base, account, "CloudTrail-Digest"))...)
		slices.Sort(regions)
		for _, region := range slices.Compact(regions) {
			if !validNames(account, region) {
				continue
			}
			if err := w.loadChain(groupKey{account, region}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Writer) loadChain(k groupKey) error {
	logBase := filepath.Join(w.fs.root, "AWSLogs", k.account, "CloudTrail", k.region)
	digestBase := filepath.Join(w.fs.root, "AWSLogs", k.account, "CloudTrail-Digest", k.region)
	c := w.chainOf(k)

	// The newest digest of the trail.
	digestDays := days(digestBase)
	var headKey cloudtrail.DigestKey
	for i := len(digestDays) - 1; i >= 0 && c.head == ""; i-- {
		for _, name := range files(digestDays[i].path) {
			dk, err := cloudtrail.ParseDigestKey(name)
			if err != nil || dk.Trail != w.cfg.TrailName {
				continue
			}
			if c.head == "" || dk.Time.After(headKey.Time) {
				headKey = dk
				c.head = relKey(w.fs.root, filepath.Join(digestDays[i].path, name))
			}
		}
	}
	since := time.Time{} // log files from this minute on may be undigested
	listed := map[string]bool{}
	if c.head != "" {
		b, err := os.ReadFile(filepath.Join(w.fs.root, filepath.FromSlash(c.head)))
		if err != nil {
			return fmt.Errorf("digest %s: %w", c.head, err)
		}
		sum := sha256.Sum256(b)
		c.headHash = hex.EncodeToString(sum[:])
		c.headEnd = headKey.Time
		since = headKey.Time.Add(-time.Hour)
		if d, err := cloudtrail.ReadDigest(bytes.NewReader(b)); err != nil {
			w.log.Error("compliance: the newest digest is unreadable; the chain goes on from it", "key", c.head, "err", err)
		} else if t, err := time.Parse(time.RFC3339, d.DigestStartTime); err == nil {
			since = t
		}
		since = since.Truncate(time.Minute)
		// Every digest that can list a file of since's minute or later is
		// in a day folder of since's day or later.
		from := since.UTC().Format("2006/01/02")
		for _, dd := range digestDays {
			if dd.date < from {
				continue
			}
			for _, name := range files(dd.path) {
				if dk, err := cloudtrail.ParseDigestKey(name); err != nil || dk.Trail != w.cfg.TrailName {
					continue
				}
				b, err := os.ReadFile(filepath.Join(dd.path, name))
				if err != nil {
					continue
				}
				d, err := cloudtrail.ReadDigest(bytes.NewReader(b))
				if err != nil {
					continue
				}
				for _, f := range d.LogFiles {
					listed[f.S3Object] = true
				}
			}
		}
	}
	from := since.UTC().Format("2006/01/02")
	for _, ld := range days(logBase) {
		if ld.date < from {
			continue
		}
		for _, name := range files(ld.path) {
			lk, err := cloudtrail.ParseLogKey(name)
			if err != nil || lk.Time.Before(since) {
				continue
			}
			key := relKey(w.fs.root, filepath.Join(ld.path, name))
			if listed[key] {
				continue
			}
			f, err := w.describeLog(key)
			if err != nil {
				w.log.Error("compliance: a log file no digest lists is unreadable; the next digest lists it as it is", "key", key, "err", err)
			}
			c.add(lk, f)
		}
	}
	if n := len(c.files); n > 0 {
		w.log.Info("compliance: log files not yet in a digest", "account", k.account, "region", k.region, "files", n)
	}
	return nil
}

// describeLog reads a log file for its digest entry: hash and event times.
func (w *Writer) describeLog(key string) (cloudtrail.DigestLogFile, error) {
	f := cloudtrail.DigestLogFile{S3Bucket: w.cfg.Bucket, S3Object: key, HashAlgorithm: cloudtrail.HashAlgorithm}
	info, err := scanLog(filepath.Join(w.fs.root, filepath.FromSlash(key)))
	f.HashValue, f.NewestEventTime, f.OldestEventTime = info.hash, info.newest, info.oldest
	return f, err
}

// logInfo is what reading a log file tells.
type logInfo struct {
	hash           string
	records        int
	newest, oldest string
}

// scanLog hashes a log file's bytes and reads its records, in one pass.
// The hash is set even when the records cannot be read.
func scanLog(name string) (logInfo, error) {
	var info logInfo
	fh, err := os.Open(name)
	if err != nil {
		return info, err
	}
	defer fh.Close()
	h := sha256.New()
	tee := io.TeeReader(fh, h)
	rerr := cloudtrail.ReadLog(tee, func(rec json.RawMessage) error {
		info.records++
		var f recordFields
		if json.Unmarshal(rec, &f) == nil {
			if t, err := time.Parse(time.RFC3339Nano, f.EventTime); err == nil {
				s := t.UTC().Format(cloudtrail.TimeFormat)
				if info.newest == "" || s > info.newest {
					info.newest = s
				}
				if info.oldest == "" || s < info.oldest {
					info.oldest = s
				}
			}
		}
		return nil
	})
	if _, err := io.Copy(h, fh); err != nil && rerr == nil {
		rerr = err
	}
	info.hash = hex.EncodeToString(h.Sum(nil))
	return info, rerr
}
