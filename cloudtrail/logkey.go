package cloudtrail

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The time formats of log file and digest file names.
const (
	logTimeFormat    = "20060102T1504Z"
	digestTimeFormat = "20060102T150405Z"
)

// A LogKey is the S3 object key of a CloudTrail log file:
//
//	[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
//
// Time is the minute CloudTrail delivered the file (the file can hold
// older records); Unique only keeps names apart.
type LogKey struct {
	Prefix  string // the trail's key prefix, without the slash before AWSLogs; often empty
	OrgID   string // "o-…" for an organization trail, else empty
	Account string
	Region  string
	Time    time.Time // UTC, to the minute
	Unique  string    // 16 letters and digits in CloudTrail's keys
	Plain   bool      // the name ends in .json, not .json.gz (an uncompressed copy)
}

// NewLogKey returns the key of a new log file of account and region
// delivered at t, with a random unique string.
func NewLogKey(account, region string, t time.Time) LogKey {
	return LogKey{Account: account, Region: region, Time: t.UTC().Truncate(time.Minute), Unique: randomUnique()}
}

// Name is the file name, the last element of the key.
func (k LogKey) Name() string {
	ext := ".json.gz"
	if k.Plain {
		ext = ".json"
	}
	return k.Account + "_CloudTrail_" + k.Region + "_" + k.Time.UTC().Format(logTimeFormat) + "_" + k.Unique + ext
}

// Dir is the key up to the file name, without a trailing slash.
func (k LogKey) Dir() string {
	return keyDir(k.Prefix, k.OrgID, k.Account, "CloudTrail", k.Region, k.Time)
}

// String is the whole key.
func (k LogKey) String() string { return k.Dir() + "/" + k.Name() }

// ParseLogKey parses a log file's key or, when s has no slash, its file
// name alone (then Prefix and OrgID are empty). Names ending in .json
// (uncompressed copies) are accepted as well as .json.gz.
func ParseLogKey(s string) (LogKey, error) {
	var k LogKey
	dir, name := splitKey(s)
	base, ok := strings.CutSuffix(name, ".json.gz")
	if !ok {
		if base, ok = strings.CutSuffix(name, ".json"); !ok {
			return k, fmt.Errorf("log key %q: the name does not end in .json.gz or .json", s)
		}
		k.Plain = true
	}
	parts := strings.Split(base, "_")
	if len(parts) != 5 || parts[1] != "CloudTrail" {
		return k, fmt.Errorf("log key %q: the name is not ACCOUNT_CloudTrail_REGION_TIME_UNIQUE", s)
	}
	k.Account, k.Region, k.Unique = parts[0], parts[2], parts[4]
	t, err := time.Parse(logTimeFormat, parts[3])
	if err != nil {
		return k, fmt.Errorf("log key %q: the time %q is not YYYYMMDDTHHmmZ", s, parts[3])
	}
	k.Time = t
	if err := checkNames(k.Account, k.Region); err != nil {
		return k, fmt.Errorf("log key %q: %w", s, err)
	}
	if !isAlnum(k.Unique) {
		return k, fmt.Errorf("log key %q: the unique string %q is not letters and digits", s, k.Unique)
	}
	if dir != "" || strings.Contains(s, "/") {
		if k.Prefix, k.OrgID, err = parseDir(dir, "CloudTrail", k.Account, k.Region, k.Time); err != nil {
			return k, fmt.Errorf("log key %q: %w", s, err)
		}
	}
	return k, nil
}

// A DigestKey is the S3 object key of a CloudTrail digest file:
//
//	[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz
//
// Region is the region whose log files the digest covers; HomeRegion is
// the trail's own. Time is the end of the period the digest covers.
type DigestKey struct {
	Prefix     string
	OrgID      string
	Account    string
	Region     string
	Trail      string
	HomeRegion string
	Time       time.Time // UTC, to the second
}

// Name is the file name, the last element of the key.
func (k DigestKey) Name() string {
	return k.Account + "_CloudTrail-Digest_" + k.Region + "_" + k.Trail + "_" + k.HomeRegion + "_" +
		k.Time.UTC().Format(digestTimeFormat) + ".json.gz"
}

// Dir is the key up to the file name, without a trailing slash.
func (k DigestKey) Dir() string {
	return keyDir(k.Prefix, k.OrgID, k.Account, "CloudTrail-Digest", k.Region, k.Time)
}

// String is the whole key.
func (k DigestKey) String() string { return k.Dir() + "/" + k.Name() }

// ParseDigestKey parses a digest file's key or, when s has no slash, its
// file name alone. A trail's name may hold underscores.
func ParseDigestKey(s string) (DigestKey, error) {
	var k DigestKey
	dir, name := splitKey(s)
	base, ok := strings.CutSuffix(name, ".json.gz")
	if !ok {
		return k, fmt.Errorf("digest key %q: the name does not end in .json.gz", s)
	}
	parts := strings.Split(base, "_")
	if len(parts) < 6 || parts[1] != "CloudTrail-Digest" {
		return k, fmt.Errorf("digest key %q: the name is not ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_TIME", s)
	}
	n := len(parts)
	k.Account, k.Region, k.HomeRegion = parts[0], parts[2], parts[n-2]
	k.Trail = strings.Join(parts[3:n-2], "_")
	t, err := time.Parse(digestTimeFormat, parts[n-1])
	if err != nil {
		return k, fmt.Errorf("digest key %q: the time %q is not YYYYMMDDTHHmmssZ", s, parts[n-1])
	}
	k.Time = t
	if err := checkNames(k.Account, k.Region); err != nil {
		return k, fmt.Errorf("digest key %q: %w", s, err)
	}
	if !isRegion(k.HomeRegion) {
		return k, fmt.Errorf("digest key %q: the home region %q is not a region name", s, k.HomeRegion)
	}
	if k.Trail == "" {
		return k, fmt.Errorf("digest key %q: no trail name", s)
	}
	if dir != "" || strings.Contains(s, "/") {
		if k.Prefix, k.OrgID, err = parseDir(dir, "CloudTrail-Digest", k.Account, k.Region, k.Time); err != nil {
			return k, fmt.Errorf("digest key %q: %w", s, err)
		}
	}
	return k, nil
}

func keyDir(prefix, org, account, kind, region string, t time.Time) string {
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte('/')
	}
	b.WriteString("AWSLogs/")
	if org != "" {
		b.WriteString(org)
		b.WriteByte('/')
	}
	b.WriteString(account + "/" + kind + "/" + region + "/" + t.UTC().Format("2006/01/02"))
	return b.String()
}

func splitKey(s string) (dir, name string) {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// parseDir checks a key's directories against its file name and returns
// the prefix and organization id.
func parseDir(dir, kind, account, region string, t time.Time) (prefix, org string, err error) {
	rest := dir
	if i := strings.LastIndex("/"+dir, "/AWSLogs/"); i >= 0 {
		if i > 0 {
			prefix = dir[:i-1]
		}
		rest = dir[i+len("AWSLogs/"):]
	} else {
		return "", "", errors.New("no AWSLogs/ in the key")
	}
	parts := strings.Split(rest, "/")
	if len(parts) == 7 && strings.HasPrefix(parts[0], "o-") {
		org, parts = parts[0], parts[1:]
	}
	if len(parts) != 6 {
		return "", "", fmt.Errorf("the folders after AWSLogs/ are not [o-ID/]ACCOUNT/%s/REGION/YYYY/MM/DD", kind)
	}
	switch {
	case parts[0] != account:
		return "", "", fmt.Errorf("the folder's account %q is not the name's %q", parts[0], account)
	case parts[1] != kind:
		return "", "", fmt.Errorf("the folder %q is not %s", parts[1], kind)
	case parts[2] != region:
		return "", "", fmt.Errorf("the folder's region %q is not the name's %q", parts[2], region)
	case strings.Join(parts[3:], "/") != t.UTC().Format("2006/01/02"):
		return "", "", fmt.Errorf("the folders' date %s is not the name's %s", strings.Join(parts[3:], "/"), t.UTC().Format("2006/01/02"))
	}
	return prefix, org, nil
}

func checkNames(account, region string) error {
	if len(account) != 12 || !isDigits(account) {
		return fmt.Errorf("the account %q is not 12 digits", account)
	}
	if !isRegion(region) {
		return fmt.Errorf("the region %q is not a region name", region)
	}
	return nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// isRegion accepts region names such as us-east-1 or us-gov-west-1:
// lower-case letters, digits and inner dashes.
func isRegion(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// randomUnique returns 16 random letters and digits.
func randomUnique() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // 256 % 62 biases a little; the string needs only to be unique
	}
	return string(b[:])
}
