package capture

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// NewProxy returns an intercepting reverse proxy to upstream that emits
// a record for every call through h, as Middleware does. In AWS mode it
// keeps the client's Host header, which SigV4 signs; otherwise the
// upstream's host is sent. It adds X-Forwarded-For, -Host and -Proto. An
// unreachable upstream is answered with 502 and a JSON error (and
// recorded with errorCode BadGateway).
func NewProxy(cfg Config, upstream *url.URL, h *Handoff) (http.Handler, error) {
	rec, err := NewRecorder(cfg, h)
	if err != nil {
		return nil, err
	}
	return rec.Proxy(upstream)
}

// Proxy returns a reverse proxy to upstream wrapped in rec's Middleware
// (see NewProxy).
func (rec *Recorder) Proxy(upstream *url.URL) (http.Handler, error) {
	if upstream == nil || upstream.Scheme == "" || upstream.Host == "" {
		return nil, errors.New("capture: proxy: upstream must be an absolute URL")
	}
	aws := rec.cfg.AWS
	logger := rec.logger
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
			if aws {
				pr.Out.Host = pr.In.Host
			}
		},
		Transport: NewTransport(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logger.Warn("capture: proxy: upstream call failed", "upstream", upstream.Redacted(), "method", r.Method, "path", r.URL.Path, "err", err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `{"__type":"BadGateway","message":"The upstream service could not be reached."}`)
		},
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return rec.Middleware(rp), nil
}

// NewTransport returns the transport proxies use: http.DefaultTransport's
// settings, with room for many idle connections to the one upstream.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 1024
	t.IdleConnTimeout = 90 * time.Second
	return t
}
