package democloud

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Tag is a resource tag.
type Tag struct{ Key, Value string }

// LoginState is the state of an IAM user's console password.
type LoginState string

// The login states. AWS has no "disabled" login profile: it takes console
// access away by deleting the profile; the demo remembers that it did.
const (
	LoginNone     LoginState = ""         // never had a login profile
	LoginEnabled  LoginState = "enabled"  // has one (CreateLoginProfile)
	LoginDisabled LoginState = "disabled" // had one, deleted (DeleteLoginProfile)
)

// User is an IAM user (IAM is global: users have no region).
type User struct {
	Name     string
	Path     string
	ID       string // AIDA…
	ARN      string
	Created  time.Time
	Tags     []Tag
	Policies []string // attached managed policy ARNs, in attachment order
	Login    LoginState
	// PasswordResetRequired is the login profile's flag.
	PasswordResetRequired bool

	loginCreated time.Time
}

// Disabled says whether the user has been disabled: its console password
// was deleted, or AWSDenyAll is attached to it.
func (u User) Disabled() bool {
	return u.Login == LoginDisabled || slices.Contains(u.Policies, DenyAllPolicyARN)
}

// Bucket is an S3 bucket.
type Bucket struct {
	Name    string
	Region  string
	Created time.Time
	Policy  string // the bucket policy as given, "" for none
	Tags    []Tag
}

// The EC2 instance states the demo uses. An instance is pending only in
// RunInstances' answer and running from then on; StopInstances and
// TerminateInstances answer stopping and shutting-down and leave it
// stopped and terminated.
const (
	StatePending      = "pending"
	StateRunning      = "running"
	StateShuttingDown = "shutting-down"
	StateTerminated   = "terminated"
	StateStopping     = "stopping"
	StateStopped      = "stopped"
)

var stateCodes = map[string]int{
	StatePending: 0, StateRunning: 16, StateShuttingDown: 32,
	StateTerminated: 48, StateStopping: 64, StateStopped: 80,
}

// Instance is an EC2 instance.
type Instance struct {
	ID            string // i-…
	ReservationID string // r-…
	Region        string
	ImageID       string
	Type          string
	State         string
	Launched      time.Time
	Tags          []Tag
	ClientToken   string // RunInstances' idempotency token

	seq int // launch order
}

// Snapshot is an RDS DB snapshot. DB instances are not modelled: a
// snapshot names any DB instance identifier it is given.
type Snapshot struct {
	ID         string
	DBInstance string
	Region     string
	ARN        string
	Status     string // "available" once created or copied
	Created    time.Time
	Type       string // "manual"
	// SourceARN and SourceRegion are set on a copy.
	SourceARN    string
	SourceRegion string
	Tags         []Tag
}

// User returns a copy of the IAM user named name.
func (c *Cloud) User(name string) (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[name]
	if !ok {
		return User{}, false
	}
	cp := *u
	cp.Tags, cp.Policies = slices.Clone(u.Tags), slices.Clone(u.Policies)
	return cp, true
}

// Bucket returns a copy of the S3 bucket named name.
func (c *Cloud) Bucket(name string) (Bucket, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.buckets[name]
	if !ok {
		return Bucket{}, false
	}
	cp := *b
	cp.Tags = slices.Clone(b.Tags)
	return cp, true
}

// Instance returns a copy of the EC2 instance with ID id, in any region.
func (c *Cloud) Instance(id string) (Instance, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.instances[id]
	if !ok {
		return Instance{}, false
	}
	cp := *i
	cp.Tags = slices.Clone(i.Tags)
	return cp, true
}

// Instances returns copies of every EC2 instance, in launch order.
func (c *Cloud) Instances() []Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Instance, 0, len(c.instances))
	for _, i := range c.instances {
		cp := *i
		cp.Tags = slices.Clone(i.Tags)
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b Instance) int { return a.seq - b.seq })
	return out
}

// Snapshot returns a copy of the RDS snapshot id in region. Identifiers
// are not case-sensitive (RDS stores them in lower case).
func (c *Cloud) Snapshot(region, id string) (Snapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.snapshots[snapshotKey{region, strings.ToLower(id)}]
	if !ok {
		return Snapshot{}, false
	}
	cp := *s
	cp.Tags = slices.Clone(s.Tags)
	return cp, true
}

// nextID returns a new 64-bit number for a resource ID. IDs are derived
// from a counter through a bijection (SplitMix64's finaliser), so they
// are unique, reproducible from run to run and look like AWS's. c.mu is
// held.
func (c *Cloud) nextID() uint64 {
	c.seq++
	z := c.seq * 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hexID returns prefix and 17 hex digits, the shape of EC2's IDs.
func (c *Cloud) hexID(prefix string) string {
	return fmt.Sprintf("%s0%016x", prefix, c.nextID())
}

// iamID returns prefix and 17 characters of base32, the shape of IAM's
// unique IDs (AIDA… for users).
func (c *Cloud) iamID(prefix string) string {
	var b [16]byte
	n := c.nextID()
	binary.BigEndian.PutUint64(b[:8], n)
	binary.BigEndian.PutUint64(b[8:], ^n*0x9e3779b97f4a7c15)
	return prefix + base32.StdEncoding.EncodeToString(b[:])[:17]
}
