package capture

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"sync"
	"time"
)

// Config describes the API a Recorder captures and how.
type Config struct {
	// Name names the recorder in logs (e.g. "orders-proxy").
	Name string
	// EventSource is the eventSource of non-AWS calls, e.g.
	// "orders.example.com". In AWS mode it is used only for requests
	// that name no AWS service.
	EventSource string
	// Source, when set, is the envelope's source (Captured.Source) in
	// place of the one derived from eventSource.
	Source string
	// Region is the awsRegion of non-AWS calls, and of AWS calls whose
	// request names none (default us-east-1).
	Region string
	// Account is the recipientAccountId.
	Account string
	// Namer names non-AWS calls (a *Routes, e.g. from NewRoutes or
	// RoutesFromOpenAPI); calls it does not know, or all calls when it is
	// nil, are named by FallbackName. AWS mode does not use it.
	Namer Namer
	// AWS turns on AWS mode: eventSource, eventName, awsRegion and the
	// access key come from each request's SigV4 credential scope,
	// X-Amz-Target, Action parameter or S3 REST shape.
	AWS bool
	// Identity says who made each call; nil, or a nil answer, records an
	// identity of type Unknown (with the access key of the SigV4 scope in
	// AWS mode). It is called from the hand-off's goroutine after the
	// call completed, with the call's request and its body when it was
	// read whole; it must not read r.Body.
	Identity Identifier
	// TrustedProxies are the peers whose X-Forwarded-For (or Forwarded)
	// header is believed for sourceIPAddress.
	TrustedProxies []netip.Prefix
	// MaxBody caps the request and response body bytes kept for a record
	// (default 64 KiB); a larger body is summarised, not copied.
	MaxBody int
	// FailClosed refuses a call with 503 ServiceUnavailableException,
	// before it is served, when the hand-off has no room for its record.
	// Otherwise (fail open) the call is served and the record dropped and
	// counted.
	FailClosed bool
	// Logger receives the recorder's warnings (default slog.Default()).
	Logger *slog.Logger
}

const (
	defaultMaxBody = 64 << 10
	defaultRegion  = "us-east-1"
)

// Recorder emits one CloudTrail record per call it wraps, after the
// response, through a Handoff. It is safe for concurrent use; its
// configuration is fixed when it is made.
type Recorder struct {
	cfg     Config
	handoff *Handoff
	logger  *slog.Logger
	source  string
	maxBody int
	namer   Namer
}

// NewRecorder makes a Recorder that emits through h.
func NewRecorder(cfg Config, h *Handoff) (*Recorder, error) {
	if h == nil {
		return nil, errors.New("capture: recorder: no hand-off")
	}
	if !cfg.AWS && cfg.EventSource == "" {
		return nil, errors.New("capture: recorder: EventSource is required outside AWS mode")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = defaultMaxBody
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Name != "" {
		cfg.Logger = cfg.Logger.With("recorder", cfg.Name)
	}
	for _, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			return nil, fmt.Errorf("capture: recorder: trusted proxy %v is not a prefix", p)
		}
	}
	return &Recorder{cfg: cfg, handoff: h, logger: cfg.Logger, source: cfg.Source, maxBody: cfg.MaxBody, namer: cfg.Namer}, nil
}

// Middleware wraps next so that each call it serves emits a record.
func (rec *Recorder) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.serve(w, r, next)
	})
}

// refusal is the body of a FailClosed refusal.
const refusal = `{"__type":"ServiceUnavailableException","message":"The audit record of this call cannot be kept; try again later."}`

func (rec *Recorder) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	h := rec.handoff
	if rec.cfg.FailClosed {
		if !h.reserve() {
			h.refused.Add(1)
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, refusal)
			return
		}
	}
	c := newCall(rec, r)
	if r.Body != nil && r.Body != http.NoBody {
		c.reqTee = &teeBody{rc: r.Body, c: c}
		r.Body = c.reqTee
	} else {
		c.reqDone = true
	}
	cw := &c.writer
	cw.w, cw.c = w, c
	served := false
	defer func() {
		if served {
			return
		}
		// The handler panicked; a proxy does so (http.ErrAbortHandler) when
		// the client goes away mid-answer. The call happened: record it,
		// then let net/http deal with the panic.
		p := recover()
		if p == nil { // runtime.Goexit
			rec.emit(c)
			return
		}
		if p != http.ErrAbortHandler {
			rec.logger.Error("capture: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
		}
		if c.status == 0 {
			c.status = http.StatusInternalServerError
		}
		rec.emit(c)
		panic(p)
	}()
	next.ServeHTTP(cw, r)
	served = true
	rec.emit(c)
}

// emit hands a finished call to the hand-off.
func (rec *Recorder) emit(c *call) {
	c.finish()
	if rec.cfg.FailClosed {
		rec.handoff.enqueueReserved(job{c: c})
	} else {
		rec.handoff.enqueue(job{c: c})
	}
}

// call is what a record is built from: a snapshot of the request taken
// before the handler ran, the bodies' first bytes and the response's
// status and headers. It is pooled.
type call struct {
	rec *Recorder
	r   *http.Request // for the Identifier only

	method, host, path, rawQuery, remoteAddr        string
	userAgent, authorization, target, contentType   string
	copySource, forwardedFor, forwarded, amzContent string
	tls                                             *tls.ConnectionState
	op                                              Operation
	named                                           bool
	declaredLen                                     int64

	reqTee  *teeBody
	req     []byte // the first MaxBody bytes of the request body
	reqLen  int64  // request body bytes read
	reqDone bool   // the request body was read to its end

	writer    recordingWriter
	status    int
	resp      []byte
	respLen   int64
	respType  string
	requestID string
	errorType string
	end       time.Time
}

var callPool = sync.Pool{New: func() any { return new(call) }}

func header(r *http.Request, canonical string) string {
	if v := r.Header[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func newCall(rec *Recorder, r *http.Request) *call {
	c := callPool.Get().(*call)
	c.rec, c.r = rec, r
	c.method, c.host, c.path, c.rawQuery, c.remoteAddr = r.Method, r.Host, r.URL.EscapedPath(), r.URL.RawQuery, r.RemoteAddr
	c.userAgent = header(r, "User-Agent")
	c.authorization = header(r, "Authorization")
	c.target = header(r, "X-Amz-Target")
	c.contentType = header(r, "Content-Type")
	c.tls = r.TLS
	c.declaredLen = r.ContentLength
	if rec.cfg.AWS {
		c.copySource = header(r, "X-Amz-Copy-Source")
		c.amzContent = header(r, "X-Amz-Content-Sha256")
	}
	if len(rec.cfg.TrustedProxies) > 0 {
		c.forwardedFor = joinHeader(r.Header["X-Forwarded-For"])
		c.forwarded = joinHeader(r.Header["Forwarded"])
	}
	if !rec.cfg.AWS && rec.namer != nil {
		c.op, c.named = rec.namer.Operation(r)
	}
	return c
}

func joinHeader(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	s := vs[0]
	for _, v := range vs[1:] {
		s += ", " + v
	}
	return s
}

// finish notes what the response said, on the request's goroutine.
func (c *call) finish() {
	c.end = time.Now()
	if c.reqTee != nil {
		c.reqTee.seal()
		c.reqTee = nil
	}
	if c.status == 0 {
		c.status = http.StatusOK
	}
	hdr := c.writer.w.Header()
	c.respType = first(hdr["Content-Type"])
	c.requestID = first(hdr["X-Amzn-Requestid"])
	if c.requestID == "" {
		c.requestID = first(hdr["X-Amz-Request-Id"])
	}
	if c.requestID == "" {
		c.requestID = first(hdr["X-Request-Id"])
	}
	c.errorType = first(hdr["X-Amzn-Errortype"])
	c.writer = recordingWriter{}
}

func first(vs []string) string {
	if len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// release returns c to the pool, keeping its buffers.
func (c *call) release() {
	req, resp := c.req[:0], c.resp[:0]
	if cap(req) > 2*defaultMaxBody {
		req = nil
	}
	if cap(resp) > 2*defaultMaxBody {
		resp = nil
	}
	*c = call{req: req, resp: resp}
	callPool.Put(c)
}

// wholeBody returns the request body when it was read whole and kept.
func (c *call) wholeBody() ([]byte, bool) {
	if c.reqDone && c.reqLen <= int64(c.rec.maxBody) {
		return c.req, true
	}
	return nil, false
}

// teeBody keeps the first MaxBody bytes read from a request body. A
// proxy's transport may still read the body after the call returned
// (when the upstream answered early); a sealed tee no longer touches
// its call, which by then belongs to the hand-off.
type teeBody struct {
	rc io.ReadCloser
	mu sync.Mutex
	c  *call // nil once sealed
}

func (t *teeBody) seal() {
	t.mu.Lock()
	t.c = nil
	t.mu.Unlock()
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.c
	if c == nil {
		return n, err
	}
	if n > 0 {
		if room := int64(c.rec.maxBody) - c.reqLen; room > 0 {
			c.req = append(c.req, p[:min(int64(n), room)]...)
		}
		c.reqLen += int64(n)
	}
	if err == io.EOF {
		c.reqDone = true
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// recordingWriter notes the status and keeps the first MaxBody bytes of
// the response body.
type recordingWriter struct {
	w           http.ResponseWriter
	c           *call
	wroteHeader bool
}

func (w *recordingWriter) Header() http.Header { return w.w.Header() }

func (w *recordingWriter) WriteHeader(code int) {
	if !w.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.wroteHeader = true
		w.c.status = code
	}
	w.w.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.wroteHeader = true
		w.c.status = http.StatusOK
	}
	c := w.c
	if room := int64(c.rec.maxBody) - c.respLen; room > 0 {
		c.resp = append(c.resp, p[:min(int64(len(p)), room)]...)
	}
	c.respLen += int64(len(p))
	return w.w.Write(p)
}

// Flush flushes the underlying writer when it can.
func (w *recordingWriter) Flush() {
	_ = http.NewResponseController(w.w).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.w }

// queryValues parses a raw query, dropping SigV4's presigning parameters.
func queryValues(raw string) url.Values {
	if raw == "" {
		return nil
	}
	q, _ := url.ParseQuery(raw)
	for k := range q {
		if isSigningParam(k) {
			delete(q, k)
		}
	}
	return q
}

func isSigningParam(k string) bool {
	switch k {
	case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
		"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Region-Set":
		return true
	}
	return false
}
