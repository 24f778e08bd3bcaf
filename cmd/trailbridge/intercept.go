package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/config"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// interceptCommand runs one capturing proxy on its own, sending its
// records to a trailbridge server through the API.
func interceptCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("intercept", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	var ic config.Interceptor
	var routes, proxies listFlag
	configPath := fs.String("config", "", "take the interceptor from this trailbridge config `file` (its Interceptors section; see --name)")
	name := fs.String("name", "", "the interceptor of --config to run (default: the only one); also names it in logs")
	fs.StringVar(&ic.Listen, "listen", "127.0.0.1:4020", "`host:port` the proxy listens on")
	fs.StringVar(&ic.Upstream, "upstream", "", "base `url` of the API the calls go to")
	fs.StringVar(&ic.Mode, "mode", "http", "http (your API, named by --route or --openapi) or aws (AWS-style calls named from the request)")
	fs.StringVar(&ic.EventSource, "event-source", "", "eventSource of http-mode records, such as orders.example.com")
	fs.StringVar(&ic.Source, "source", "", "the envelope's source (default aws.<service> in aws mode, else the event source)")
	fs.StringVar(&ic.EventBusName, "event-bus-name", "", "`bus` the records go to (default: the default bus)")
	fs.StringVar(&ic.OpenAPI, "openapi", "", "OpenAPI 3 `file` whose operationIds name the calls")
	fs.Var(&routes, "route", "`'METHOD /path/{param}=EventName'` naming calls (repeatable)")
	fs.Var(&proxies, "trusted-proxy", "`CIDR` whose X-Forwarded-For is believed (repeatable)")
	fs.IntVar(&ic.MaxBodyBytes, "max-body", 0, "`bytes` of a body kept in a record (default 64 KiB); longer ones are summarised")
	fs.BoolVar(&ic.FailClosed, "fail-closed", false, "refuse calls (503) whose record cannot be kept, instead of serving them")
	account := fs.String("account-id", envOr("TRAILBRIDGE_ACCOUNT_ID", "000000000000"), "recipientAccountId of the records")
	spool := fs.String("spool-dir", envOr("TRAILBRIDGE_SPOOL_DIR", "./trailbridge-spool"), "`folder` of the durable hand-off: records wait here while the server cannot take them")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: trailbridge intercept --upstream URL [flags]")
		fmt.Fprintln(stderr, "Runs a reverse proxy that turns every call through it into a CloudTrail record on a trailbridge bus.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	f := &configFile{File: &config.File{}}
	if *configPath != "" {
		var err error
		if f, err = loadConfigFile(*configPath); err != nil {
			fmt.Fprintf(stderr, "trailbridge intercept: %v\n", err)
			return 2
		}
		var found []config.Interceptor
		for _, x := range f.Interceptors {
			if *name == "" || x.Name == *name {
				found = append(found, x)
			}
		}
		if len(found) != 1 {
			fmt.Fprintf(stderr, "trailbridge intercept: %s declares %d interceptors named %q; name one with --name\n", *configPath, len(found), *name)
			return 2
		}
		ic = found[0]
	} else {
		ic.Name = *name
		if ic.Name == "" {
			ic.Name = "intercept"
		}
		ic.TrustedProxies = proxies
		for _, r := range routes {
			spec, event, ok := strings.Cut(r, "=")
			method, path, ok2 := strings.Cut(strings.TrimSpace(spec), " ")
			if !ok || !ok2 || event == "" {
				fmt.Fprintf(stderr, "trailbridge intercept: --route %q: want 'METHOD /path=EventName'\n", r)
				return 2
			}
			ic.Routes = append(ic.Routes, config.Route{Method: method, Path: strings.TrimSpace(path), EventName: strings.TrimSpace(event)})
		}
		ic.Key = "intercept"
		f.Interceptors = []config.Interceptor{ic}
		if err := f.Validate(); err != nil {
			fmt.Fprintf(stderr, "trailbridge intercept: %v\n", strings.ReplaceAll(err.Error(), "Interceptors[0].", "--"))
			return 2
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("interceptor", ic.Name)
	if err := runIntercept(ctx, f, ic, c, *account, *spool, log); err != nil {
		fmt.Fprintf(stderr, "trailbridge intercept: %v\n", err)
		return 1
	}
	return 0
}

// runIntercept serves the proxy until ctx ends.
func runIntercept(ctx context.Context, f *configFile, ic config.Interceptor, c *apiClientFlags, account, spool string, log *slog.Logger) error {
	upstream, err := url.Parse(ic.Upstream)
	if err != nil {
		return err
	}
	sink := &capture.APISink{Client: c.client(ic.EventBusName), Logger: log}
	h, err := capture.NewHandoff(capture.HandoffConfig{Dir: spool, Sink: sink, Logger: log})
	if err != nil {
		return err
	}
	rec, err := newRecorder(ctx, f, ic, account, *c.region, h, log)
	if err != nil {
		return err
	}
	handler, err := rec.Proxy(upstream)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", ic.Listen)
	if err != nil {
		return err
	}
	if t := ic.TLS; t != nil {
		cfg, err := listenerTLS(f.relative(t.CertFile), f.relative(t.KeyFile), relativeOrEmpty(f, t.ClientCAFile), t.RequireClientCertificate)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, cfg)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { h.Run(runCtx); close(done) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		srv.Shutdown(sctx)
		cancel()
		stop()
	}()
	log.Info("intercepting", "url", "http://"+ln.Addr().String(), "upstream", upstream.Redacted(), "server", *c.endpoint, "spool", spool)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		stop()
		<-done
		return err
	}
	<-done
	return nil
}
