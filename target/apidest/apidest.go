package apidest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

// Authorization types and connection states, as EventBridge names them.
const (
	AuthBasic  = "BASIC"
	AuthAPIKey = "API_KEY"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"

	StateAuthorized   = "AUTHORIZED"
	StateAuthorizing  = "AUTHORIZING"
	StateDeauthorized = "DEAUTHORIZED"
)

// DefaultRateLimit is EventBridge's default InvocationRateLimitPerSecond.
const DefaultRateLimit = 300

// DefaultTimeout is how long EventBridge waits for an endpoint.
const DefaultTimeout = 5 * time.Second

// Destination is an API destination with what it takes to call it.
type Destination struct {
	ARN      string
	Name     string
	Endpoint string // InvocationEndpoint; each * is filled from PathParameterValues
	Method   string
	// RateLimit is InvocationRateLimitPerSecond; 0 means DefaultRateLimit.
	RateLimit int
	// Connection is nil when the destination's connection no longer
	// exists.
	Connection *Connection
}

// Connection is a connection with its secrets in plain text.
type Connection struct {
	ARN        string
	Name       string
	State      string // StateAuthorized, StateAuthorizing, StateDeauthorized, …
	Auth       Auth
	Invocation Params // InvocationHttpParameters, sent with every call
}

// Auth is a connection's authorization. Only the fields of Type are set.
type Auth struct {
	Type                    string
	Username, Password      string // BASIC
	APIKeyName, APIKeyValue string // API_KEY
	OAuth                   *OAuth // OAUTH_CLIENT_CREDENTIALS
}

// String hides the secrets, so that printing an Auth shows none.
func (a Auth) String() string { return "Auth{" + a.Type + ", secrets hidden}" }

// OAuth is how to obtain an access token with the client-credentials grant.
type OAuth struct {
	ClientID, ClientSecret string
	Endpoint               string // AuthorizationEndpoint
	Method                 string // GET, POST or PUT
	Params                 Params // OAuthHttpParameters
}

// String hides the secrets.
func (o OAuth) String() string {
	return "OAuth{" + o.Method + " " + redactURL(o.Endpoint) + ", secrets hidden}"
}

// Params are header, query string and body parameters.
type Params struct {
	Headers, Query, Body []Param
}

// Param is one parameter; Secret marks values that must not be shown.
type Param struct {
	Key, Value string
	Secret     bool
}

// String hides a secret value.
func (p Param) String() string {
	if p.Secret {
		return p.Key + "=****"
	}
	return p.Key + "=" + p.Value
}

// ErrNotFound is what a Resolver returns (wrapped) for a destination that
// does not exist.
var ErrNotFound = errors.New("api destination not found")

// Resolver finds API destinations by name, for every invocation.
// Implementations may answer the same value again while the destination is
// unchanged (callers never modify it), and are safe for concurrent use.
type Resolver interface {
	Destination(ctx context.Context, name string) (*Destination, error)
}

// AuthorizationReporter may also be implemented by a Resolver, to learn
// whether a connection in StateAuthorizing obtained an OAuth token (err nil)
// or failed to, so that the connection's state can follow.
type AuthorizationReporter interface {
	Authorized(ctx context.Context, connection string, err error)
}

// Kind is the target.Kind of API destination ARNs,
// arn:aws:events:REGION:ACCOUNT:api-destination/NAME/UUID (the /UUID may be
// left out). Set its fields before first use; it is safe for concurrent use
// and keeps, per destination, the rate limiter, and per connection, the
// OAuth token.
type Kind struct {
	Resolver Resolver
	// Client sends the requests; nil means a default client. Redirects
	// are never followed, whatever the client says.
	Client *http.Client
	// Timeout bounds each request; 0 means DefaultTimeout. A shorter
	// deadline of the invocation's context wins.
	Timeout time.Duration

	once   sync.Once
	client *http.Client

	mu      sync.Mutex
	buckets map[string]*bucket     // destination ARN → limiter
	tokens  map[string]*tokenEntry // connection ARN + settings → token
}

func (k *Kind) httpClient() *http.Client {
	k.once.Do(func() {
		c := http.Client{Transport: defaultTransport()}
		if k.Client != nil {
			c = *k.Client
		}
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		k.client = &c
	})
	return k.client
}

// defaultTransport keeps as many idle connections per host as deliveries
// run at once: Go's default of two would open and close a connection for
// most requests of a busy target.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return t
}

func (k *Kind) timeout() time.Duration {
	if k.Timeout > 0 {
		return k.Timeout
	}
	return DefaultTimeout
}

// Target implements target.Kind. It refuses an ARN that is not an API
// destination's; one that names no API destination fails at Invoke, with
// CodeNoResource, which is not retried.
func (k *Kind) Target(_ context.Context, arn string) (target.Target, error) {
	name, id, err := parseARN(arn)
	if err != nil {
		return nil, err
	}
	// Each invocation resolves the destination (it may change or go
	// away), so looking it up here too would only do that work twice.
	return &destTarget{kind: k, arn: arn, name: name, id: id}, nil
}

// parseARN reads NAME and UUID from
// arn:aws:events:REGION:ACCOUNT:api-destination/NAME[/UUID].
func parseARN(arn string) (name, id string, err error) {
	service, resource, ok := target.SplitARN(arn)
	rest, isDest := strings.CutPrefix(resource, "api-destination/")
	if !ok || service != "events" || !isDest || rest == "" {
		return "", "", target.Fail(target.CodeInvalidPayload, "%s is not an API destination ARN", arn)
	}
	name, id, _ = strings.Cut(rest, "/")
	if name == "" || strings.Contains(id, "/") {
		return "", "", target.Fail(target.CodeInvalidPayload, "%s is not an API destination ARN", arn)
	}
	return name, id, nil
}

// resolve finds the destination; a destination of the same name but another
// UUID (deleted and created again) is not the one the ARN names.
func (k *Kind) resolve(ctx context.Context, arn, name, id string) (*Destination, error) {
	if k.Resolver == nil {
		return nil, target.Fail(target.CodeInternal, "no resolver for API destinations")
	}
	d, err := k.Resolver.Destination(ctx, name)
	if errors.Is(err, ErrNotFound) || err == nil && (d == nil || id != "" && !strings.HasSuffix(d.ARN, "/"+name+"/"+id)) {
		return nil, target.Fail(target.CodeNoResource, "API destination %s does not exist", arn)
	}
	if err != nil {
		return nil, &target.Error{Code: target.CodeInternal, Message: "look up API destination " + name, Retryable: true, Err: err}
	}
	return d, nil
}

type destTarget struct {
	kind     *Kind
	arn      string
	name, id string
}

// Invoke makes one request to the destination. See the package comment for
// how its outcome is classified.
func (t *destTarget) Invoke(ctx context.Context, inv *target.Invocation) error {
	if err := ctx.Err(); err != nil {
		return target.AsError(err) // a timeout when the deadline passed
	}
	k := t.kind
	d, err := k.resolve(ctx, t.arn, t.name, t.id)
	if err != nil {
		return err
	}
	c := d.Connection
	switch {
	case c == nil:
		return target.Fail(target.CodeNoResource, "the connection of API destination %s does not exist", d.Name)
	case c.State != StateAuthorized && c.State != StateAuthorizing:
		return target.Fail(target.CodeNoPermissions, "connection %s of API destination %s is %s", c.Name, d.Name, c.State)
	}
	req, err := buildRequest(d, inv)
	if err != nil {
		return err
	}
	if err := k.bucket(d).wait(ctx); err != nil {
		return &target.Error{Code: target.CodeThrottling, Retryable: true, Err: err,
			Message: fmt.Sprintf("waiting for the rate limit of API destination %s (%d per second)", d.Name, rateOf(d))}
	}
	var tok *token
	if c.Auth.Type == AuthOAuth {
		if tok, err = k.token(ctx, c); err != nil {
			return err
		}
	}
	status, err := k.send(ctx, d, req, tok)
	if tok == nil || status != http.StatusUnauthorized && status != http.StatusProxyAuthRequired {
		return err
	}
	// EventBridge refreshes OAuth tokens on 401 and 407, and does not retry
	// 4xx answers: the call is made again at once with the new token, and
	// a second refusal is final (the credentials or grants are wrong, and
	// retrying for a day would only hammer the authorization server).
	if err := k.refresh(ctx, c, tok); err != nil {
		return err
	}
	if tok, err = k.token(ctx, c); err != nil {
		return err
	}
	if req, err = buildRequest(d, inv); err != nil {
		return err
	}
	if err := k.bucket(d).wait(ctx); err != nil {
		return &target.Error{Code: target.CodeThrottling, Retryable: true, Err: err,
			Message: fmt.Sprintf("waiting for the rate limit of API destination %s (%d per second)", d.Name, rateOf(d))}
	}
	status, err = k.send(ctx, d, req, tok)
	var te *target.Error
	if (status == http.StatusUnauthorized || status == http.StatusProxyAuthRequired) && errors.As(err, &te) {
		te.Message += " (again, with a refreshed OAuth token)"
	}
	return err
}
