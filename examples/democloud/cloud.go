package democloud

import (
	"log/slog"
	"sync"
	"time"
)

// Options configure a Cloud. The zero value is usable.
type Options struct {
	// Account is the account ID in ARNs and owner fields; default
	// 000000000000.
	Account string
	// Region is the region of a request that carries no SigV4 credential
	// scope; default us-east-1.
	Region string
	// Now is the clock for creation dates; default time.Now.
	Now func() time.Time
	// Logger receives one line per request that fails with a server-side
	// error; default slog.Default().
	Logger *slog.Logger
}

// DenyAllPolicyARN is the AWS managed policy that denies every action; a
// user with it attached is disabled (User.Disabled).
const DenyAllPolicyARN = "arn:aws:iam::aws:policy/AWSDenyAll"

// Cloud is the demo cloud: an http.Handler serving its IAM, S3, EC2 and
// RDS operations, with all state in memory. It is safe for concurrent
// use; one mutex serialises the operations.
type Cloud struct {
	account string
	region  string
	now     func() time.Time
	logger  *slog.Logger

	mu        sync.Mutex
	seq       uint64 // resource IDs are derived from it
	users     map[string]*User
	buckets   map[string]*Bucket
	instances map[string]*Instance
	snapshots map[snapshotKey]*Snapshot
	throttle  map[string]int // operation ("" for any) → calls left to fail; <0: all
	keys      map[string]int // access key ID → calls left to fail; <0: all
}

type snapshotKey struct{ region, id string }

// New returns an empty Cloud.
func New(opts Options) *Cloud {
	c := &Cloud{
		account:   opts.Account,
		region:    opts.Region,
		now:       opts.Now,
		logger:    opts.Logger,
		users:     map[string]*User{},
		buckets:   map[string]*Bucket{},
		instances: map[string]*Instance{},
		snapshots: map[snapshotKey]*Snapshot{},
		throttle:  map[string]int{},
		keys:      map[string]int{},
	}
	if c.account == "" {
		c.account = "000000000000"
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// Account is the account ID the cloud's ARNs carry.
func (c *Cloud) Account() string { return c.account }

// Throttle makes the next n calls of operation op (an eventName such as
// "RunInstances"; "" for every operation) fail with throttling, in any
// protocol: ThrottlingException (HTTP 400) from IAM, S3 and RDS,
// RequestLimitExceeded (HTTP 503) from EC2. A negative n throttles every
// call until Throttle(op, 0). A throttled call changes nothing.
//
// The aws CLI retries throttled calls (five attempts in all by default),
// so n below 5 delays a CLI call rather than failing it; set
// AWS_MAX_ATTEMPTS=1 to see each throttled call fail.
func (c *Cloud) Throttle(op string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	setCount(c.throttle, op, n)
}

// ThrottleKey is Throttle for the calls signed with one access key ID,
// whatever their operation: all calls of one principal.
func (c *Cloud) ThrottleKey(accessKeyID string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	setCount(c.keys, accessKeyID, n)
}

func setCount(m map[string]int, k string, n int) {
	if n == 0 {
		delete(m, k)
		return
	}
	m[k] = n
}

// throttled says whether a call of op signed by key is to fail, and
// counts it when it is. c.mu is held.
func (c *Cloud) throttled(op, key string) bool {
	return take(c.throttle, op) || take(c.throttle, "") || (key != "" && take(c.keys, key))
}

// take counts one call against m[k] and says whether it is to fail.
func take(m map[string]int, k string) bool {
	n, ok := m[k]
	if !ok {
		return false
	}
	if n > 0 {
		setCount(m, k, n-1)
	}
	return true
}
