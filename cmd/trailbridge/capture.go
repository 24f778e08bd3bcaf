package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/awsapi"
	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/capture/identity"
	"github.com/trailbridge/trailbridge/capture/k8saudit"
	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/config"
)

// localSink puts captured records on a bus in-process, through the same
// PutAuditRecords the API serves to remote capturers.
type localSink struct {
	eb         *awsapi.EventBridge
	bus        string
	detailType string // for records whose capturer chose none; "" derives it from eventType
	log        *slog.Logger
}

// Put returns an error when some record could not be stored for a reason
// a retry can cure, so that the hand-off offers the batch again; records
// refused for what they are (not a CloudTrail record) are logged and
// dropped, since no retry would change them.
func (s localSink) Put(ctx context.Context, batch []capture.Captured) error {
	for len(batch) > 0 {
		n := min(len(batch), awsapi.MaxAuditEntries)
		// Deduplicated: a hand-off sends a batch again after a crash, and
		// the Kubernetes API server a webhook batch after a failure.
		in := &awsapi.PutAuditRecordsInput{Entries: make([]awsapi.AuditEntry, n), Deduplicate: s.eb.Seen != nil}
		if s.bus != "" {
			in.EventBusName = &s.bus
		}
		for i, c := range batch[:n] {
			e := awsapi.AuditEntry{Record: c.Record}
			if c.Source != "" {
				e.Source = &c.Source
			}
			if c.DetailType != "" {
				e.DetailType = &c.DetailType
			} else if s.detailType != "" {
				e.DetailType = &s.detailType
			}
			in.Entries[i] = e
		}
		out, err := s.eb.PutAuditRecords(ctx, in)
		if err != nil {
			return fmt.Errorf("put captured records: %w", err)
		}
		for i, e := range out.Entries {
			if e.ErrorCode == nil {
				continue
			}
			if *e.ErrorCode == "InternalFailure" {
				return fmt.Errorf("put captured records: %s", *e.ErrorMessage)
			}
			s.log.Error("captured record refused, dropped", "code", *e.ErrorCode, "reason", *e.ErrorMessage, "record", string(batch[i].Record))
		}
		batch = batch[n:]
	}
	return nil
}

// k8sAuditHandler is POST /k8s/audit when the config declares K8sAudit.
func k8sAuditHandler(f *configFile, eb *awsapi.EventBridge, place tb.Place, log *slog.Logger) (http.Handler, error) {
	k := f.K8sAudit
	if k == nil {
		return nil, nil
	}
	if k.EventBusName != "" && eb.Store.Bus(k.EventBusName) == nil && !f.declaresBus(k.EventBusName) {
		return nil, fmt.Errorf("config: K8sAudit.EventBusName: event bus %q does not exist", k.EventBusName)
	}
	h, err := k8saudit.NewHandler(k8saudit.Config{
		Tokens:             k.Tokens,
		ClientCertSubjects: k.ClientCertSubjects,
		Cluster:            k.Cluster,
		Account:            place.Account,
		Region:             place.Region,
		Sink:               localSink{eb: eb, bus: k.EventBusName, log: log},
		Logger:             log.With("component", "k8s-audit"),
	})
	if err != nil {
		return nil, fmt.Errorf("config: K8sAudit: %w", err)
	}
	return h, nil
}

// captureIdentity builds the identifiers an interceptor's config declares,
// tried in order: SigV4, a bearer JWT, HTTP Basic, then any TLS client
// certificate the listener verified.
func captureIdentity(ctx context.Context, f *configFile, c config.CaptureIdentity, account string, log *slog.Logger) (capture.Identifier, error) {
	var ids []identity.Identifier
	if len(c.AccessKeys) > 0 {
		cfg := identity.SigV4Config{Account: account}
		for _, k := range c.AccessKeys {
			p := identity.Principal{Type: k.Type, Account: k.AccountId, Name: k.UserName, MFA: k.MFAAuthenticated}
			if k.Type == "AssumedRole" {
				p.Name, p.Session = k.RoleName, k.SessionName
				if p.Session == "" {
					p.Session = k.AccessKeyId
				}
			}
			if p.Name == "" && p.Type != "Root" {
				p.Name = k.AccessKeyId
			}
			cfg.Keys = append(cfg.Keys, identity.AccessKey{ID: k.AccessKeyId, Secret: k.SecretAccessKey, Principal: p})
		}
		id, err := identity.NewSigV4(cfg)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if j := c.Jwt; j != nil {
		cfg := identity.JWTConfig{Issuer: j.Issuer, Audiences: j.Audience, Secret: j.Secret, JWKSURL: j.JwksUrl,
			UserNameClaim: j.UserNameClaim, Logger: log}
		if j.PublicKeyFile != "" {
			pem, err := os.ReadFile(f.relative(j.PublicKeyFile))
			if err != nil {
				return nil, fmt.Errorf("Jwt.PublicKeyFile: %w", err)
			}
			cfg.PublicKeys = string(pem)
		}
		id, err := identity.NewJWT(cfg)
		if err != nil {
			return nil, err
		}
		if j.JwksUrl != "" {
			// Fetched now so that a wrong URL shows at start; an identity
			// provider that is down is fetched again when tokens arrive.
			if err := id.FetchKeys(ctx); err != nil {
				log.Warn("JWKS not fetched at start: bearer tokens give no identity until it is", "url", j.JwksUrl, "err", err)
			}
		}
		ids = append(ids, id)
	}
	if len(c.BasicUsers) > 0 {
		cfg := identity.BasicConfig{Account: account}
		for _, u := range c.BasicUsers {
			cfg.Users = append(cfg.Users, identity.BasicUser{Name: u.UserName, Password: u.Password})
		}
		id, err := identity.NewBasic(cfg)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	certs, err := identity.NewClientCert(identity.ClientCertConfig{Account: account})
	if err != nil {
		return nil, err
	}
	ids = append(ids, certs)
	return identity.First(ids...), nil
}

// startInterceptors runs the capturing proxies the config declares, each
// on its own listener with its own durable hand-off (a spool under the
// data folder) to its bus.
// prepareInterceptors builds every interceptor of the file and takes its
// address, and returns what starts them. Everything that can refuse the
// file (identity, OpenAPI, TLS, a taken address) happens here, before the
// file is applied, so that a refused file changes nothing; listeners taken
// are closed by Close if the start fails later.
func (a *app) prepareInterceptors(ctx, bg context.Context, f *configFile, o serveOptions, eb *awsapi.EventBridge, place tb.Place, log *slog.Logger) (start func(), err error) {
	var starts []func()
	for _, ic := range f.Interceptors {
		s, err := a.prepareInterceptor(ctx, bg, f, ic, o, eb, place, log)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %s (interceptor %q): %w", f.at(ic.Key), ic.Key, ic.Name, err)
		}
		starts = append(starts, s)
	}
	return func() {
		for _, s := range starts {
			s()
		}
	}, nil
}

func (a *app) prepareInterceptor(ctx, bg context.Context, f *configFile, ic config.Interceptor, o serveOptions, eb *awsapi.EventBridge, place tb.Place, log *slog.Logger) (func(), error) {
	log = log.With("interceptor", ic.Name)
	if ic.EventBusName != "" && eb.Store.Bus(ic.EventBusName) == nil && !f.declaresBus(ic.EventBusName) {
		return nil, fmt.Errorf("EventBusName: event bus %q does not exist", ic.EventBusName)
	}
	upstream, err := url.Parse(ic.Upstream)
	if err != nil {
		return nil, err
	}
	h, err := capture.NewHandoff(capture.HandoffConfig{
		Dir:    filepath.Join(o.DataDir, "capture", ic.Name),
		Sink:   localSink{eb: eb, bus: ic.EventBusName, detailType: ic.DetailType, log: log},
		Logger: log,
	})
	if err != nil {
		return nil, err
	}
	rec, err := newRecorder(ctx, f, ic, place.Account, place.Region, h, log)
	if err != nil {
		return nil, err
	}
	handler, err := rec.Proxy(upstream)
	if err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if t := ic.TLS; t != nil {
		if tlsConfig, err = listenerTLS(f.relative(t.CertFile), f.relative(t.KeyFile), relativeOrEmpty(f, t.ClientCAFile), t.RequireClientCertificate); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", ic.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	scheme := "http://"
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		scheme = "https://"
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	// Until served, the listener is closed by Close; Shutdown closes it
	// after (closing it twice is harmless).
	a.stoppers = append(a.stoppers, func(context.Context) { ln.Close() })
	return func() {
		a.wg.Go(func() { h.Run(bg) })
		a.handoffs = append(a.handoffs, namedHandoff{ic.Name, h})
		a.wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("interceptor stopped", "err", err)
			}
		})
		a.stoppers = append(a.stoppers, func(ctx context.Context) { srv.Shutdown(ctx) })
		a.Interceptors = append(a.Interceptors, scheme+ln.Addr().String())
		log.Info("interceptor listening", "url", scheme+ln.Addr().String(), "upstream", upstream.Redacted(), "mode", cmp.Or(ic.Mode, "http"))
	}, nil
}

// relativeOrEmpty is f.relative for an optional path.
func relativeOrEmpty(f *configFile, p string) string {
	if p == "" {
		return ""
	}
	return f.relative(p)
}

// newRecorder builds the recorder an interceptor's config describes:
// its naming (routes or an OpenAPI document), trusted proxies and
// identity.
func newRecorder(ctx context.Context, f *configFile, ic config.Interceptor, account, region string, h *capture.Handoff, log *slog.Logger) (*capture.Recorder, error) {
	var namer capture.Namer
	routes := make([]capture.Route, 0, len(ic.Routes))
	for _, r := range ic.Routes {
		routes = append(routes, capture.Route{Method: r.Method, Path: r.Path, Name: r.EventName, ReadOnly: r.ReadOnly, DataEvent: r.DataEvent})
	}
	if ic.OpenAPI != "" {
		doc, err := os.ReadFile(f.relative(ic.OpenAPI))
		if err != nil {
			return nil, fmt.Errorf("OpenAPI: %w", err)
		}
		if routes, err = capture.RoutesFromOpenAPI(doc); err != nil {
			return nil, fmt.Errorf("OpenAPI %s: %w", ic.OpenAPI, err)
		}
	}
	if len(routes) > 0 {
		t, err := capture.NewRoutes(routes)
		if err != nil {
			return nil, err
		}
		namer = t
	}
	var proxies []netip.Prefix
	for _, s := range ic.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				return nil, err
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		proxies = append(proxies, p)
	}
	id, err := captureIdentity(ctx, f, ic.Identity, account, log)
	if err != nil {
		return nil, fmt.Errorf("Identity: %w", err)
	}
	if ic.Region != "" {
		region = ic.Region
	}
	return capture.NewRecorder(capture.Config{
		Name: ic.Name, EventSource: ic.EventSource, Source: ic.Source, Region: region, Account: account,
		Namer: namer, AWS: ic.Mode == "aws", Identity: id, TrustedProxies: proxies, MaxBody: ic.MaxBodyBytes,
		FailClosed: ic.FailClosed, Logger: log,
	}, h)
}

// namedHandoff is a hand-off and what it carries, for metrics.
type namedHandoff struct {
	name string
	h    *capture.Handoff
}

// selfAudit hands the records of calls to trailbridge's own API (secrets
// already hidden) to the default bus through a hand-off of their own.
func (a *app) selfAudit(bg context.Context, o serveOptions, eb *awsapi.EventBridge, log *slog.Logger) (func(context.Context, *cloudtrail.Record), error) {
	h, err := capture.NewHandoff(capture.HandoffConfig{
		Dir:    filepath.Join(o.DataDir, "capture", "_trailbridge"),
		Sink:   localSink{eb: eb, log: log},
		Logger: log.With("component", "self-audit"),
	})
	if err != nil {
		return nil, fmt.Errorf("self-audit: %w", err)
	}
	a.wg.Go(func() { h.Run(bg) })
	a.handoffs = append(a.handoffs, namedHandoff{"_trailbridge", h})
	return func(_ context.Context, rec *cloudtrail.Record) {
		b, err := rec.MarshalJSON()
		if err != nil {
			log.Error("self-audit: record", "err", err)
			return
		}
		h.Offer(capture.Captured{Record: b})
	}, nil
}

// handoffCollector exports the hand-offs' counters at /metrics, read
// when scraped.
type handoffCollector struct{ a *app }

var (
	handoffRecordsDesc = prometheus.NewDesc("trailbridge_capture_records_total",
		"Captured records by hand-off (an interceptor's name, or _trailbridge for the audit of trailbridge's API) and outcome: accepted, dropped (the hand-off was full: the call was served, its record lost), refused (FailClosed answered 503), spooled, sent.",
		[]string{"handoff", "outcome"}, nil)
	handoffErrorsDesc = prometheus.NewDesc("trailbridge_capture_send_errors_total",
		"Failed attempts to put a batch of captured records on the bus (retried).", []string{"handoff"}, nil)
	handoffQueuedDesc = prometheus.NewDesc("trailbridge_capture_queued_records",
		"Captured records in memory, waiting for the spool.", []string{"handoff"}, nil)
	handoffSpoolDesc = prometheus.NewDesc("trailbridge_capture_spool_bytes",
		"Bytes of a hand-off's spool on disk.", []string{"handoff"}, nil)
)

func (c handoffCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- handoffRecordsDesc
	ch <- handoffErrorsDesc
	ch <- handoffQueuedDesc
	ch <- handoffSpoolDesc
}

func (c handoffCollector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.a.handoffs {
		s := n.h.Stats()
		for outcome, v := range map[string]uint64{"accepted": s.Accepted, "dropped": s.Dropped, "refused": s.Refused, "spooled": s.Spooled, "sent": s.Sent} {
			ch <- prometheus.MustNewConstMetric(handoffRecordsDesc, prometheus.CounterValue, float64(v), n.name, outcome)
		}
		ch <- prometheus.MustNewConstMetric(handoffErrorsDesc, prometheus.CounterValue, float64(s.SendErrors), n.name)
		ch <- prometheus.MustNewConstMetric(handoffQueuedDesc, prometheus.GaugeValue, float64(s.Queued), n.name)
		ch <- prometheus.MustNewConstMetric(handoffSpoolDesc, prometheus.GaugeValue, float64(s.SpoolBytes), n.name)
	}
}
