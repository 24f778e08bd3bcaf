package apidest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

// refreshMargin: a token this close to expiring is replaced before use, as
// EventBridge refreshes "proactively … if the token is about to expire".
const refreshMargin = 60 * time.Second

type token struct {
	value   string
	expires time.Time // zero when the endpoint did not say
}

func (t *token) usable(now time.Time) bool {
	return t != nil && (t.expires.IsZero() || now.Before(t.expires))
}

// tokenEntry holds one connection's token. sem admits one fetch at a time,
// so that concurrent invocations share a fetch instead of each making one.
type tokenEntry struct {
	sem chan struct{}
	tok *token
}

func (k *Kind) entry(c *Connection) *tokenEntry {
	// The key covers every setting of the exchange, so that a connection
	// updated with new credentials never uses a token of the old ones.
	h := sha256.New()
	o := c.Auth.OAuth
	for _, s := range []string{c.ARN, o.ClientID, o.ClientSecret, o.Endpoint, o.Method} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	for _, p := range o.Params.all() {
		fmt.Fprintf(h, "%d:%s%d:%s", len(p.Key), p.Key, len(p.Value), p.Value)
	}
	prefix := c.ARN + "\x00"
	key := prefix + hex.EncodeToString(h.Sum(nil))
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tokens == nil {
		k.tokens = map[string]*tokenEntry{}
	}
	e := k.tokens[key]
	if e == nil {
		// The connection's settings changed: its old token is of no use.
		for old := range k.tokens {
			if strings.HasPrefix(old, prefix) {
				delete(k.tokens, old)
			}
		}
		e = &tokenEntry{sem: make(chan struct{}, 1)}
		k.tokens[key] = e
	}
	return e
}

// token returns the connection's cached token, fetching one when there is
// none or it is about to expire.
func (k *Kind) token(ctx context.Context, c *Connection) (*token, error) {
	return k.obtain(ctx, c, nil)
}

// refresh replaces the token used, unless another invocation already did.
func (k *Kind) refresh(ctx context.Context, c *Connection, used *token) error {
	_, err := k.obtain(ctx, c, used)
	return err
}

func (k *Kind) obtain(ctx context.Context, c *Connection, stale *token) (*token, error) {
	if c.Auth.OAuth == nil {
		return nil, target.Fail(target.CodeNoPermissions, "connection %s has no OAuth parameters", c.Name)
	}
	e := k.entry(c)
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &target.Error{Code: target.CodeTimeout, Retryable: true, Err: ctx.Err(),
			Message: "waiting for the OAuth token of connection " + c.Name}
	}
	defer func() { <-e.sem }()
	if e.tok != nil && e.tok != stale && e.tok.usable(time.Now().Add(refreshMargin)) {
		return e.tok, nil
	}
	tok, err := k.fetch(ctx, c)
	if r, ok := k.Resolver.(AuthorizationReporter); ok && c.State == StateAuthorizing {
		r.Authorized(ctx, c.Name, err)
	}
	if err != nil {
		e.tok = nil
		return nil, err
	}
	e.tok = tok
	return tok, nil
}

// fetch exchanges the client credentials for an access token (RFC 6749
// §4.4). The client ID and secret go in an HTTP Basic Authorization header
// (§2.3.1); the connection's OAuthHttpParameters add headers, query string
// parameters and form-encoded body parameters (for GET, the body parameters
// join the query string). The grant_type, scope or audience the server wants
// are such parameters, as on EventBridge.
func (k *Kind) fetch(ctx context.Context, c *Connection) (*token, error) {
	o := c.Auth.OAuth
	what := "the authorization endpoint of connection " + c.Name
	secrets := c.secrets()
	ctx, cancel := context.WithTimeout(ctx, k.timeout())
	defer cancel()
	u, err := url.Parse(o.Endpoint)
	if err != nil {
		return nil, target.Fail(target.CodeInvalidPayload, "%s is not a URL", what)
	}
	q := u.Query()
	for _, p := range o.Params.Query {
		q.Set(p.Key, p.Value)
	}
	form := url.Values{}
	for _, p := range o.Params.Body {
		form.Set(p.Key, p.Value)
	}
	method := o.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if method == http.MethodGet {
		for key, vs := range form {
			q[key] = vs
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, target.Fail(target.CodeInvalidPayload, "request to %s: %s", what, scrub(err.Error(), secrets))
	}
	for _, h := range fixedHeaders {
		// No JSON Content-Type (the body is a form), and Go's client asks
		// for and undoes compression itself.
		if h[0] != "Content-Type" && h[0] != "Accept-Encoding" {
			req.Header.Set(h[0], h[1])
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	for _, p := range o.Params.Headers {
		req.Header.Set(p.Key, p.Value)
	}
	// RFC 6749 §2.3.1: the credentials are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	resp, err := k.httpClient().Do(req)
	if err != nil {
		return nil, transportError(ctx, what, method, u.String(), err, secrets)
	}
	defer drain(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := classify(resp, what, secrets)
		if !e.Retryable {
			// Refused credentials: retrying with the same ones is futile
			// until the connection is updated.
			e.Code = target.CodeNoPermissions
		}
		return nil, e
	}
	var answer struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&answer); err != nil || answer.AccessToken == "" {
		return nil, &target.Error{Code: target.CodeTargetError, Retryable: true,
			Message: what + " answered without an access_token"}
	}
	tok := &token{value: answer.AccessToken}
	if secs, err := answer.ExpiresIn.Float64(); err == nil && secs > 0 {
		tok.expires = time.Now().Add(time.Duration(secs * float64(time.Second)))
	}
	return tok, nil
}
