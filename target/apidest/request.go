package apidest

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailbridge/trailbridge/target"
)

// The headers EventBridge sends with every call. A target's or a
// connection's header parameters may replace them (the connection's win);
// the authorization header always comes from the connection's auth.
var fixedHeaders = [][2]string{
	{"Content-Type", "application/json; charset=utf-8"},
	{"Range", "bytes=0-1048575"},
	{"User-Agent", "Amazon/EventBridge/ApiDestinations"},
	{"Accept-Encoding", "gzip,deflate"},
}

// excerptBytes is how much of a failed answer's body an error quotes.
const excerptBytes = 200

// prepared is a request before its authorization is added.
type prepared struct {
	method  string
	url     string
	header  http.Header
	body    []byte   // nil for no body
	secrets []string // values that must not appear in errors
}

// buildRequest assembles the call for one invocation. Parameters merge in
// this order, later ones winning: the endpoint's own query string, the
// target's HttpParameters, the connection's InvocationHttpParameters (AWS:
// "any values from the Connection taking precedence").
func buildRequest(d *Destination, inv *target.Invocation) (*prepared, error) {
	c := d.Connection
	p := &prepared{method: d.Method, header: http.Header{}, secrets: c.secrets()}
	var hp struct {
		path           []string
		headers, query map[string]string
	}
	if t := inv.Target; t != nil && t.HttpParameters != nil {
		hp.path, hp.headers, hp.query = t.HttpParameters.PathParameterValues, t.HttpParameters.HeaderParameters, t.HttpParameters.QueryStringParameters
	}

	// Path wildcards, in order, from PathParameterValues.
	endpoint, rawQuery, _ := strings.Cut(d.Endpoint, "?")
	if n := strings.Count(endpoint, "*"); n > 0 {
		if len(hp.path) < n {
			return nil, target.Fail(target.CodeInvalidPayload, "the endpoint of API destination %s has %d * wildcards but the target gives %d PathParameterValues", d.Name, n, len(hp.path))
		}
		var b strings.Builder
		i := 0
		for part := range strings.SplitSeq(endpoint, "*") {
			if i > 0 {
				v, ok, err := paramValue(hp.path[i-1], inv.Event)
				if err != nil || !ok {
					return nil, target.Fail(target.CodeInvalidPayload, "path parameter %d (%s) of the target: %s", i, hp.path[i-1], missingOr(err))
				}
				b.WriteString(url.PathEscape(v))
			}
			b.WriteString(part)
			i++
		}
		endpoint = b.String()
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, target.Fail(target.CodeInvalidPayload, "the endpoint of API destination %s is not an http(s) URL", d.Name)
	}

	q, _ := url.ParseQuery(rawQuery)
	for _, k := range sortedKeys(hp.query) {
		v, ok, err := paramValue(hp.query[k], inv.Event)
		if err != nil {
			return nil, target.Fail(target.CodeInvalidPayload, "query string parameter %s of the target: %v", k, err)
		}
		if ok {
			q.Set(k, v)
		}
	}
	for _, prm := range c.Invocation.Query {
		q.Set(prm.Key, prm.Value)
	}
	u.RawQuery = q.Encode()
	p.url = u.String()

	for _, h := range fixedHeaders {
		p.header.Set(h[0], h[1])
	}
	if inv.TraceHeader != "" {
		p.header.Set("X-Amzn-Trace-Id", inv.TraceHeader)
	}
	for _, k := range sortedKeys(hp.headers) {
		v, ok, err := paramValue(hp.headers[k], inv.Event)
		if err != nil {
			return nil, target.Fail(target.CodeInvalidPayload, "header parameter %s of the target: %v", k, err)
		}
		if ok {
			p.header.Set(k, v)
		}
	}
	for _, prm := range c.Invocation.Headers {
		p.header.Set(prm.Key, prm.Value)
	}

	// GET and HEAD carry no body: servers commonly refuse or ignore one.
	if d.Method != http.MethodGet && d.Method != http.MethodHead {
		p.body = mergeBody(inv.Payload, c.Invocation.Body)
		if p.body == nil {
			p.body = []byte{}
		}
	}
	return p, nil
}

func missingOr(err error) string {
	if err != nil {
		return err.Error()
	}
	return "not found in the event"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// paramValue returns a parameter's value: the value itself, or, for a value
// starting with "$.", what that JSON path finds in the original event (a
// string as its text, anything else as JSON). ok is false when the path
// finds nothing; such a header or query parameter is left out.
func paramValue(v string, event []byte) (string, bool, error) {
	if !strings.HasPrefix(v, "$.") {
		return v, true, nil
	}
	raw, ok, err := lookup(event, v)
	if err != nil || !ok {
		return "", false, err
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s, true, nil
	}
	return string(raw), true, nil
}

// lookup finds a JSON path of the form $.a.b[0].c in doc. It is a small
// private subset of the transform package's paths, so that this package
// stands alone.
func lookup(doc []byte, path string) (json.RawMessage, bool, error) {
	rest, ok := strings.CutPrefix(path, "$")
	if !ok {
		return nil, false, fmt.Errorf("path %q does not start with $", path)
	}
	cur := json.RawMessage(doc)
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			key := rest[1 : 1+end]
			rest = rest[1+end:]
			if key == "" {
				return nil, false, fmt.Errorf("path %q has an empty name", path)
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(cur, &obj) != nil || obj == nil {
				return nil, false, nil
			}
			if cur, ok = obj[key]; !ok {
				return nil, false, nil
			}
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("path %q has an unclosed [", path)
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil || i < 0 {
				return nil, false, fmt.Errorf("path %q has a bad index %q", path, rest[1:end])
			}
			rest = rest[end+1:]
			var arr []json.RawMessage
			if json.Unmarshal(cur, &arr) != nil || i >= len(arr) {
				return nil, false, nil
			}
			cur = arr[i]
		default:
			return nil, false, fmt.Errorf("path %q: expected . or [ at %q", path, rest)
		}
	}
	// "$" alone, or an event that is not JSON, has not been parsed yet.
	if len(cur) == 0 || string(cur) == "null" || !json.Valid(cur) {
		return nil, false, nil
	}
	return cur, true, nil
}

// mergeBody adds the connection's body parameters to a JSON object payload
// as string members, replacing members of the same name (the connection
// wins) and keeping the payload's member order. A payload that is not a
// JSON object is sent as it is.
func mergeBody(payload []byte, params []Param) []byte {
	if len(params) == 0 {
		return payload
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return payload
	}
	type member struct {
		key string
		val json.RawMessage
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey {
			return payload
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return payload
		}
		members = append(members, member{key, v})
	}
	for _, prm := range params {
		v, _ := json.Marshal(prm.Value)
		if i := slices.IndexFunc(members, func(m member) bool { return m.key == prm.Key }); i >= 0 {
			members[i].val = v
		} else {
			members = append(members, member{prm.Key, v})
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.val)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// secrets lists the connection's secret values, to keep them out of errors.
func (c *Connection) secrets() []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 { // shorter strings would scrub ordinary text
			out = append(out, s)
		}
	}
	a := c.Auth
	add(a.Password)
	add(a.APIKeyValue)
	if a.Type == AuthBasic {
		add(base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + a.Password)))
	}
	if a.OAuth != nil {
		add(a.OAuth.ClientSecret)
		add(base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(a.OAuth.ClientID) + ":" + url.QueryEscape(a.OAuth.ClientSecret))))
		for _, prm := range a.OAuth.Params.all() {
			if prm.Secret {
				add(prm.Value)
			}
		}
	}
	for _, prm := range c.Invocation.all() {
		if prm.Secret {
			add(prm.Value)
			add(url.QueryEscape(prm.Value))
		}
	}
	return out
}

func (p Params) all() []Param { return slices.Concat(p.Headers, p.Query, p.Body) }

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, "****")
	}
	return s
}

// send makes the request and classifies the answer. It returns the HTTP
// status (0 when there was no answer).
func (k *Kind) send(ctx context.Context, d *Destination, p *prepared, tok *token) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout())
	defer cancel()
	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return 0, target.Fail(target.CodeInvalidPayload, "request to API destination %s: %s", d.Name, scrub(err.Error(), p.secrets))
	}
	req.Header = p.header.Clone()
	secrets := p.secrets
	a := d.Connection.Auth
	switch a.Type {
	case AuthBasic:
		req.SetBasicAuth(a.Username, a.Password)
	case AuthAPIKey:
		req.Header.Set(a.APIKeyName, a.APIKeyValue)
	case AuthOAuth:
		req.Header.Set("Authorization", "Bearer "+tok.value)
		secrets = append(slices.Clip(secrets), tok.value)
	}
	resp, err := k.httpClient().Do(req)
	if err != nil {
		return 0, transportError(ctx, "API destination "+d.Name, p.method, p.url, err, secrets)
	}
	defer drain(resp.Body)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, classify(resp, "API destination "+d.Name, secrets)
}

// classify turns a non-2xx answer into a target error, as EventBridge
// classifies API destination answers: 429 and 5xx are retried, nothing
// else is.
func classify(resp *http.Response, what string, secrets []string) *target.Error {
	msg := fmt.Sprintf("%s answered %d %s", what, resp.StatusCode, http.StatusText(resp.StatusCode))
	if ex := excerpt(decoded(resp), secrets); ex != "" {
		msg += ": " + ex
	}
	e := &target.Error{Code: target.CodeTargetError, Message: msg}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Code, e.Retryable = target.CodeThrottling, true
	case resp.StatusCode >= 500:
		e.Retryable = true
	}
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

// retryAfter reads a Retry-After header: seconds (a negative number asks
// not to be retried, as EventBridge honours it) or an HTTP date. Anything
// else, or a date already past, is 0.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		const most = int64(1<<63-1) / int64(time.Second)
		return time.Duration(max(min(n, most), -most)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// excerpt quotes the start of a body: valid UTF-8, one line, no secrets.
func excerpt(r io.Reader, secrets []string) string {
	b, _ := io.ReadAll(io.LimitReader(r, 4*excerptBytes))
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }), " ")
	s = strings.TrimSpace(scrub(s, secrets))
	if len(s) > excerptBytes {
		cut := excerptBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// decoded is resp's body as sent before any Content-Encoding the server
// applied: EventBridge's Accept-Encoding asks for gzip or deflate, which
// Go's client then leaves to the caller.
func decoded(resp *http.Response) io.Reader {
	var r io.Reader
	var err error
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))) {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(resp.Body)
	case "deflate":
		// HTTP's deflate is zlib, but many servers send raw deflate.
		br := bufio.NewReader(resp.Body)
		if h, _ := br.Peek(2); len(h) == 2 && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
			r, err = zlib.NewReader(br)
		} else {
			r = flate.NewReader(br)
		}
	default:
		return resp.Body
	}
	if err != nil {
		return strings.NewReader("")
	}
	return r
}

func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 1<<20)) // lets the connection be reused
	body.Close()
}

// transportError classifies a request that got no answer: a timeout
// (CodeTimeout) or another network failure (CodeConnection), both
// retryable. The URL is shown without its query string, which may hold
// secret parameters.
func transportError(ctx context.Context, what, method, rawURL string, err error, secrets []string) *target.Error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	where := method + " " + redactURL(rawURL)
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &target.Error{Code: target.CodeTimeout, Retryable: true, Err: cause,
			Message: fmt.Sprintf("%s did not answer in time (%s)", what, where)}
	}
	if ctx.Err() != nil {
		return &target.Error{Code: target.CodeInternal, Retryable: true, Err: ctx.Err(),
			Message: fmt.Sprintf("%s: the attempt was cancelled (%s)", what, where)}
	}
	return &target.Error{Code: target.CodeConnection, Retryable: true, Err: errors.New(scrub(cause.Error(), secrets)),
		Message: fmt.Sprintf("%s could not be reached (%s)", what, where)}
}

// redactURL drops the query string and user info of a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		base, _, _ := strings.Cut(raw, "?")
		return base
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}
