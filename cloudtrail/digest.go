package cloudtrail

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
)

// The algorithms named in digest files.
const (
	// HashAlgorithm hashes log files and digests: SHA-256, hex-encoded.
	HashAlgorithm = "SHA-256"

	// ChainAlgorithm is the digestSignatureAlgorithm of trailbridge's
	// digests. AWS signs each digest with RSA ("SHA256withRSA") and keeps
	// the signature in the object's metadata; trailbridge has no signing
	// key, so a digest is held only by the chain: the next digest records
	// its SHA-256 in previousDigestHashValue. The chain shows any change
	// to a digest but its newest one, and through the digests any change
	// to a log file. It cannot show a rewrite of the whole chain, so keep
	// the newest digest's hash somewhere else (or the copy in a store that
	// cannot be rewritten) when that matters.
	ChainAlgorithm = "SHA-256-CHAIN"
)

// TimeFormat is how digests write times (and how CloudTrail writes eventTime).
const TimeFormat = "2006-01-02T15:04:05Z"

// A Digest is the content of a digest file: the log files a trail
// delivered in one period, each with its hash, and the hash of the
// previous digest. The fields are CloudTrail's. The signature fields
// (digestPublicKeyFingerprint, previousDigestSignature) are empty in
// trailbridge's digests; see ChainAlgorithm.
//
// Hash values are hex-encoded SHA-256. Where AWS hashes a log file's
// uncompressed content, trailbridge hashes the object's bytes as stored,
// so that a change to any byte, even of the gzip header, shows; the same
// holds for previousDigestHashValue.
type Digest struct {
	AWSAccountID                string          `json:"awsAccountId"`
	DigestStartTime             string          `json:"digestStartTime"`
	DigestEndTime               string          `json:"digestEndTime"`
	DigestS3Bucket              string          `json:"digestS3Bucket"`
	DigestS3Object              string          `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string          `json:"digestPublicKeyFingerprint,omitempty"`
	DigestSignatureAlgorithm    string          `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string         `json:"newestEventTime"` // null without log files
	OldestEventTime             *string         `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string         `json:"previousDigestS3Bucket"` // null in the first digest
	PreviousDigestS3Object      *string         `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string         `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string         `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string         `json:"previousDigestSignature,omitempty"`
	LogFiles                    []DigestLogFile `json:"logFiles"`
}

// DigestLogFile is one log file in a digest.
type DigestLogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// Hash is the hex-encoded SHA-256 of b, as digests write hash values.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Previous returns d's link to its previous digest: the key, bucket
// and hash it records, and whether it records one.
func (d *Digest) Previous() (bucket, key, hash string, ok bool) {
	if d.PreviousDigestS3Object == nil || *d.PreviousDigestS3Object == "" {
		return "", "", "", false
	}
	return deref(d.PreviousDigestS3Bucket), *d.PreviousDigestS3Object, deref(d.PreviousDigestHashValue), true
}

// SetPrevious links d to the previous digest, stored under bucket and
// key, whose SHA-256 (as Hash gives it) is hash.
func (d *Digest) SetPrevious(bucket, key, hash string) {
	alg := HashAlgorithm
	d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &bucket, &key
	d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm = &hash, &alg
}

// SetEventTimes sets the digest's newest and oldest event times from
// its log files (null when it has none).
func (d *Digest) SetEventTimes() {
	d.NewestEventTime, d.OldestEventTime = nil, nil
	var newest, oldest string
	for _, f := range d.LogFiles {
		if f.NewestEventTime != "" && (newest == "" || f.NewestEventTime > newest) {
			newest = f.NewestEventTime
		}
		if f.OldestEventTime != "" && (oldest == "" || f.OldestEventTime < oldest) {
			oldest = f.OldestEventTime
		}
	}
	if newest != "" {
		d.NewestEventTime, d.OldestEventTime = &newest, &oldest
	}
}

// MarshalFile returns the digest as a digest file: its JSON, gzipped.
func (d *Digest) MarshalFile() ([]byte, error) {
	if d.LogFiles == nil {
		d.LogFiles = []DigestLogFile{}
	}
	js, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(js) // a bytes.Buffer does not fail
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadDigest reads a digest file, gzipped or plain.
func ReadDigest(r io.Reader) (*Digest, error) {
	br := bufio.NewReader(r)
	var content io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("digest: gzip: %w", err)
		}
		content = zr
	}
	b, err := io.ReadAll(content)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	var d Digest
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return &d, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
