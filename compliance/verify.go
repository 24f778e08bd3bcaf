package compliance

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// A Report is what Verify found.
type Report struct {
	Dir      string
	LogFiles int     // log files in the folder
	Records  int     // records in them
	Digests  int     // digest files
	Chains   []Chain // one per account, region and trail
	Problems []Problem
	// Pending are log files written after the newest digest of their
	// folder: a running writer covers them with its next digest. They
	// cannot be checked yet, and are not problems.
	Pending []string
}

// A Chain is one digest chain as Verify found it. Its head's hash is
// worth keeping elsewhere: the chain cannot show a change to its newest
// digest, nor a rewrite of the whole chain.
type Chain struct {
	Account, Region, Trail string
	Digests                int
	Head                   string // key of the newest digest
	HeadSHA256             string
}

// A Problem is one file that fails verification, and why. File is the
// file's path below the folder, slash-separated (its object key).
type Problem struct {
	File   string
	Reason string
}

func (p Problem) String() string { return p.File + ": " + p.Reason }

// OK reports whether verification found no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// String is the report for people: the problems, one a line, then the
// counts.
func (r *Report) String() string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	for _, c := range r.Chains {
		fmt.Fprintf(&b, "chain %s %s %s: %d digests, newest %s (SHA-256 %s)\n", c.Account, c.Region, c.Trail, c.Digests, c.Head, c.HeadSHA256)
	}
	for _, p := range r.Pending {
		fmt.Fprintf(&b, "%s: pending: written after the newest digest, to be covered by the next one\n", p)
	}
	verdict := "OK"
	if len(r.Pending) > 0 {
		verdict = fmt.Sprintf("OK (%d log files not yet in a digest)", len(r.Pending))
	}
	if !r.OK() {
		verdict = fmt.Sprintf("FAILED: %d problems", len(r.Problems))
	}
	fmt.Fprintf(&b, "%s: %d log files, %d records, %d digests: %s\n", r.Dir, r.LogFiles, r.Records, r.Digests, verdict)
	return b.String()
}

type logState struct {
	info     logInfo
	err      error
	listedIn string // the digest that lists it
	key      cloudtrail.LogKey
}

type digestState struct {
	key  string
	dk   cloudtrail.DigestKey
	hash string
	d    *cloudtrail.Digest
}

type chainID struct{ prefix, org, account, region, trail string }

// Verify checks the compliance copy in dir (or any folder of CloudTrail
// log and digest files in AWS's layout below it): every log file must be
// listed in a digest with its SHA-256, every file a digest lists must be
// there, and each digest must name the previous one of its chain with
// that file's SHA-256. It returns an error only when dir cannot be read;
// what fails verification is in the report's Problems.
func Verify(dir string) (*Report, error) {
	r := &Report{Dir: dir}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	logs := map[string]*logState{}
	chains := map[chainID][]*digestState{}
	problem := func(file, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{File: file, Reason: fmt.Sprintf(format, args...)})
	}

	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			problem(relKey(dir, p), "unreadable: %v", err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		key := relKey(dir, p)
		if d.IsDir() {
			if key != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir // .pending and the like
			}
			return nil
		}
		if !strings.Contains("/"+key, "/AWSLogs/") {
			return nil // beside the copy, not in it
		}
		if !d.Type().IsRegular() {
			problem(key, "not a regular file")
			return nil
		}
		if strings.Contains(key, "/CloudTrail-Digest/") {
			dk, err := cloudtrail.ParseDigestKey(key)
			if err != nil {
				problem(key, "not a digest file's name: %v", err)
				return nil
			}
			r.Digests++
			b, err := os.ReadFile(p)
			if err != nil {
				problem(key, "unreadable: %v", err)
				return nil
			}
			sum := sha256.Sum256(b)
			ds := &digestState{key: key, dk: dk, hash: hex.EncodeToString(sum[:])}
			if ds.d, err = cloudtrail.ReadDigest(bytes.NewReader(b)); err != nil {
				problem(key, "unreadable digest: %v", err)
			}
			id := chainID{dk.Prefix, dk.OrgID, dk.Account, dk.Region, dk.Trail}
			chains[id] = append(chains[id], ds)
			return nil
		}
		lk, err := cloudtrail.ParseLogKey(key)
		if err != nil {
			problem(key, "not a log file's name: %v", err)
			return nil
		}
		r.LogFiles++
		info, err := scanLog(p)
		r.Records += info.records
		logs[key] = &logState{info: info, err: err, key: lk}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}

	ids := make([]chainID, 0, len(chains))
	for id := range chains {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b chainID) int {
		return cmp.Or(cmp.Compare(a.prefix, b.prefix), cmp.Compare(a.org, b.org), cmp.Compare(a.account, b.account),
			cmp.Compare(a.region, b.region), cmp.Compare(a.trail, b.trail))
	})
	newest := map[[2]string]time.Time{} // the newest digest's end, by log folder
	for _, id := range ids {
		ds := chains[id]
		slices.SortFunc(ds, func(a, b *digestState) int { return a.dk.Time.Compare(b.dk.Time) })
		head := ds[len(ds)-1]
		r.Chains = append(r.Chains, Chain{Account: id.account, Region: id.region, Trail: id.trail, Digests: len(ds), Head: head.key, HeadSHA256: head.hash})
		logDir := [2]string{id.prefix + "|" + id.org + "|" + id.account, id.region}
		if head.dk.Time.After(newest[logDir]) {
			newest[logDir] = head.dk.Time
		}
		for i, s := range ds {
			if s.d == nil {
				continue
			}
			d := s.d
			if d.DigestSignatureAlgorithm != cloudtrail.ChainAlgorithm {
				problem(s.key, "signed with %q, not chained by trailbridge: check AWS's digests with aws cloudtrail validate-logs", d.DigestSignatureAlgorithm)
				continue
			}
			if d.DigestS3Object != s.key {
				problem(s.key, "records its own key as %q (moved or changed)", d.DigestS3Object)
			}
			if d.AWSAccountID != id.account {
				problem(s.key, "records the account %q, not its key's", d.AWSAccountID)
			}
			_, prevKey, prevHash, hasPrev := d.Previous()
			switch {
			case i == 0 && hasPrev:
				problem(prevKey, "missing: digest %s names it as the previous digest", s.key)
			case i > 0 && !hasPrev:
				problem(s.key, "names no previous digest, but %s precedes it", ds[i-1].key)
			case i > 0 && prevKey != ds[i-1].key:
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(prevKey))); err != nil {
					problem(prevKey, "missing: digest %s names it as the previous digest", s.key)
				} else {
					problem(s.key, "names %s as the previous digest, but %s precedes it", prevKey, ds[i-1].key)
				}
			case i > 0 && prevHash != ds[i-1].hash:
				problem(ds[i-1].key, "changed: its SHA-256 is %s, digest %s records %s", ds[i-1].hash, s.key, prevHash)
			}
			for _, f := range d.LogFiles {
				l := logs[f.S3Object]
				switch {
				case l == nil:
					problem(f.S3Object, "missing: listed in digest %s", s.key)
				case l.listedIn != "":
					problem(f.S3Object, "listed in two digests, %s and %s", l.listedIn, s.key)
				case f.HashValue != l.info.hash:
					problem(f.S3Object, "changed: its SHA-256 is %s, digest %s records %s", l.info.hash, s.key, f.HashValue)
					l.listedIn = s.key
				default:
					l.listedIn = s.key
				}
			}
		}
	}
	for key, l := range logs {
		if l.err != nil {
			var le *cloudtrail.LogError
			if errors.As(l.err, &le) {
				problem(key, "unreadable log: %d:%d: %v", le.Line, le.Column, le.Err)
			} else {
				problem(key, "unreadable log: %v", l.err)
			}
		}
		if l.listedIn == "" {
			logDir := [2]string{l.key.Prefix + "|" + l.key.OrgID + "|" + l.key.Account, l.key.Region}
			if end, ok := newest[logDir]; !ok || !l.key.Time.Before(end.Truncate(time.Minute)) {
				r.Pending = append(r.Pending, key)
			} else {
				problem(key, "not in any digest")
			}
		}
	}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int { return cmp.Compare(a.File, b.File) })
	slices.Sort(r.Pending)
	return r, nil
}
